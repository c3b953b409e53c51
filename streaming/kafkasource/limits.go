package kafkasource

import "time"

// maxMessagesPerPartition is Spark's DirectKafkaInputDStream
// maxMessagesPerPartition: how many records each partition may contribute to
// a batch, or ok false when nothing limits the batch.
//
// lag[i] is how many records partition i has available. With a positive
// rateLimit (backpressure), the rate is split across partitions in
// proportion to their lag, then capped by maxRate (if > 0); otherwise every
// partition gets maxRate. If the per-partition rates sum to more than zero,
// each becomes records per batch (truncated), floored at minRate records.
// The arithmetic is Spark's, step by step, so results match it exactly.
func maxMessagesPerPartition(lag []int64, rateLimit float64, maxRate, minRate int64, batch time.Duration) (limits []int64, ok bool) {
	rates := make([]float64, len(lag))
	var sum float64
	if rateLimit > 0 {
		var totalLag int64
		for _, l := range lag {
			totalLag += max(l, 0)
		}
		if totalLag == 0 {
			// Spark divides by a zero total lag here and ends up with no
			// limit; there is nothing to limit anyway.
			return nil, false
		}
		for i, l := range lag {
			r := float64(max(l, 0)) / float64(totalLag) * rateLimit
			if maxRate > 0 {
				r = min(r, float64(maxRate))
			}
			rates[i] = r
			sum += r
		}
	} else {
		for i := range lag {
			rates[i] = float64(maxRate)
			sum += rates[i]
		}
	}
	if !(sum > 0) {
		return nil, false
	}
	secsPerBatch := float64(batch.Milliseconds()) / 1000
	limits = make([]int64, len(lag))
	for i, r := range rates {
		limits[i] = max(toLong(secsPerBatch*r), minRate)
	}
	return limits, true
}

// toLong converts like Scala's Double.toLong: toward zero, saturating at the
// int64 bounds, NaN to 0.
func toLong(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 1<<63:
		return 1<<63 - 1
	case f <= -(1 << 63):
		return -1 << 63
	}
	return int64(f)
}
