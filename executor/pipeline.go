package executor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
)

// ChunksInFlight is how many chunks of one task exist at once: one being
// read, one waiting, one in the job, one being written. A task therefore
// holds at most ChunksInFlight × the chunk's offsets records.
const ChunksInFlight = 4

// chunk is one part of a task's range on its way through the pipeline.
type chunk struct {
	// index is the chunk's position in the range: its offsets are
	// [from + index×size, from + (index+1)×size); base + index is its
	// position in the batch-partition.
	index   int
	records []sdk.Record
	res     sdk.Result
}

// pipeline runs one task's range through read → process → write with the
// three stages overlapping: the next chunk is read while the job works on
// this one, and the previous one is written meanwhile.
type pipeline struct {
	reader RangeReader
	job    *sdk.JobClient
	out    sink.PartitionWriter
	info   sdk.PartitionInfo
	rng    kafkasource.OffsetRange
	// size is the chunk's offsets; the whole range when 0.
	size int64
	// base is the position of the range's first chunk among its
	// batch-partition's (a split partition numbers chunks across tasks).
	base int

	// slots holds one token per chunk in flight.
	slots chan struct{}
	// Stage times: reading (without waiting for a slot), the job's calls,
	// the sink's writes.
	read, process, write time.Duration
	recordsIn            int64
	outputs, rejected    int64
	aggregates           aggregateSet
	// keyed takes each chunk's keyed values for a map task's output; nil
	// for a job without keyed stages.
	keyed *mapOutput
}

// run reads, processes and writes the whole range; the first error of any
// stage stops the others and is returned. The caller commits or aborts out.
func (p *pipeline) run(ctx context.Context) error {
	if p.size <= 0 {
		p.size = max(p.rng.Count(), 1)
	}
	p.slots = make(chan struct{}, ChunksInFlight)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	toProcess, toWrite := make(chan *chunk), make(chan *chunk)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(toProcess)
		if err := p.readChunks(ctx, toProcess); err != nil {
			cancel(err)
		}
	}()
	go func() {
		defer wg.Done()
		defer close(toWrite)
		if err := p.processChunks(ctx, toProcess, toWrite); err != nil {
			cancel(err)
		}
	}()
	for c := range toWrite {
		if ctx.Err() != nil {
			continue
		}
		if err := p.writeChunk(ctx, c); err != nil {
			cancel(err)
		}
		<-p.slots
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// readChunks reads the range in one pass, cutting it into chunks by
// offset, and hands each on; a chunk waits for a free slot before it is
// started, which bounds the records in flight.
func (p *pipeline) readChunks(ctx context.Context, next chan<- *chunk) error {
	started := time.Now()
	var waited time.Duration
	defer func() { p.read = time.Since(started) - waited }()
	acquire := func() bool {
		t := time.Now()
		defer func() { waited += time.Since(t) }()
		select {
		case p.slots <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	send := func(c *chunk) bool {
		t := time.Now()
		defer func() { waited += time.Since(t) }()
		select {
		case next <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !acquire() {
		return nil
	}
	cur := &chunk{records: p.newRecords(0)}
	sent, stopped := 0, false
	err := p.reader.ReadRangeEach(ctx, p.rng, func(rec *kafkasource.Record) {
		if stopped {
			return
		}
		if k := int((rec.Offset - p.rng.From) / p.size); k != cur.index {
			if len(cur.records) > 0 {
				if !send(cur) || !acquire() {
					stopped = true
					return
				}
				sent++
			}
			cur = &chunk{index: k, records: p.newRecords(k)}
		}
		cur.records = append(cur.records, toSDKRecord(rec))
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", p.rng, err)
	}
	if stopped {
		return nil
	}
	// The job sees every range at least once, even one whose offsets
	// hold no records.
	if len(cur.records) > 0 || sent == 0 {
		send(cur)
	}
	return nil
}

// newRecords allocates chunk k's records at once: its size is known.
func (p *pipeline) newRecords(k int) []sdk.Record {
	from := p.rng.From + int64(k)*p.size
	n := min(p.size, p.rng.Until-from, maxPreallocRecords)
	return make([]sdk.Record, 0, max(n, 0))
}

// toSDKRecord is rec in the job's form; key, value and header values are
// shared, not copied.
func toSDKRecord(rec *kafkasource.Record) sdk.Record {
	sr := sdk.Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp}
	if len(rec.Headers) > 0 {
		sr.Headers = make([]sdk.Header, len(rec.Headers))
		for i, h := range rec.Headers {
			sr.Headers[i] = sdk.Header{Key: string(h.Key), Value: h.Value}
		}
	}
	return sr
}

// processChunks runs each chunk through the job, one after another, as a
// partition's stages run.
func (p *pipeline) processChunks(ctx context.Context, in <-chan *chunk, out chan<- *chunk) error {
	for c := range in {
		if ctx.Err() != nil {
			continue
		}
		t := time.Now()
		res, err := p.job.ProcessPartition(ctx, sdk.Partition{PartitionInfo: p.info, Records: c.records})
		p.process += time.Since(t)
		if err != nil {
			return err
		}
		p.recordsIn += int64(len(c.records))
		p.aggregates.add(res.Aggregates)
		if p.keyed != nil {
			if err := p.keyed.add(res.Keyed); err != nil {
				return err
			}
		}
		// Rejected records keep their own copy of the record; the
		// chunk's records are no longer needed.
		c.records, c.res = nil, res
		select {
		case out <- c:
		case <-ctx.Done():
		}
	}
	return nil
}

// writeChunk hands one chunk's outputs and rejected records to the sink.
func (p *pipeline) writeChunk(ctx context.Context, c *chunk) error {
	t := time.Now()
	defer func() { p.write += time.Since(t) }()
	if err := p.out.WriteOutputs(ctx, p.base+c.index, c.res.Outputs); err != nil {
		return err
	}
	if err := p.out.WriteRejected(ctx, p.base+c.index, c.res.Rejected); err != nil {
		return err
	}
	p.outputs += int64(len(c.res.Outputs))
	p.rejected += int64(len(c.res.Rejected))
	return nil
}
