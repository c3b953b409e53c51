// Package ratecontrol estimates how many records per second a streaming
// input should ingest, from how the previous batches went (backpressure).
//
// PIDEstimator is Spark Streaming's PIDRateEstimator: after each completed
// batch it compares the rate the batch was processed at with the rate it
// asked for, and corrects by a proportional term, an integral term derived
// from the scheduling delay, and a derivative term. RateController wraps it
// the way Spark's RateController does: it is fed batch completions, keeps the
// latest rate (whole records per second) and announces each new one.
//
// The configuration keys are Spark's:
// spark.streaming.backpressure.enabled, spark.streaming.backpressure.initialRate,
// spark.streaming.backpressure.rateEstimator and
// spark.streaming.backpressure.pid.{proportional,integral,derived,minRate}.
package ratecontrol
