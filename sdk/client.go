package sdk

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcClient is the host's view of a job: it translates calls to proto,
// and answers back to Go types, checking that they keep to the protocol.
type grpcClient struct {
	rpc jobpb.JobClient
	// conn carries ProcessPartition, which goes through the codec with
	// its columns in pooled buffers rather than through rpc.
	conn grpc.ClientConnInterface
	// lanes is the memory shared with the plugin, nil when there is
	// none; shared says that the plugin has mapped it (set by configure,
	// before any other call).
	lanes  *lanePool
	shared atomic.Bool
}

// callError turns a gRPC error back into the sentinel the plugin side
// returned, keeping the status text.
func callError(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.FailedPrecondition:
		return fmt.Errorf("%w (plugin said: %s)", ErrNotConfigured, st.Message())
	case codes.AlreadyExists:
		return fmt.Errorf("%w (plugin said: %s)", ErrAlreadyConfigured, st.Message())
	case codes.Unimplemented:
		return fmt.Errorf("%w (plugin said: %s)", ErrUnsupported, st.Message())
	case codes.InvalidArgument:
		return fmt.Errorf("%w (plugin said: %s)", ErrProtocol, st.Message())
	default:
		return err
	}
}

func (c *grpcClient) configure(ctx context.Context, conf map[string]string, args []string) (Capabilities, error) {
	req := &jobpb.ConfigureRequest{Conf: conf, Args: make([][]byte, len(args))}
	for i, a := range args {
		req.Args[i] = []byte(a)
	}
	resp, err := c.rpc.Configure(ctx, req)
	if err != nil {
		return Capabilities{}, callError(err)
	}
	if serr := stageErrorFromProto(resp.GetError()); serr != nil {
		return Capabilities{}, serr
	}
	c.shared.Store(c.lanes != nil && resp.GetCapabilities().GetSharedMemory())
	return capabilitiesFromProto(resp.GetCapabilities()), nil
}

func (c *grpcClient) processPartition(ctx context.Context, p *Partition) (Result, error) {
	if c.shared.Load() {
		if l := c.lanes.get(); l != nil {
			if res, sent, err := c.processInLane(ctx, p, l); sent {
				return res, err
			}
		}
	}
	resp := new(jobpb.ProcessPartitionResponse)
	req := &pooledRequest{partitionToProto(p, &columnBuffers)}
	if err := c.conn.Invoke(ctx, jobpb.Job_ProcessPartition_FullMethodName, req, resp, grpc.ForceCodecV2(codec{})); err != nil {
		return Result{}, callError(err)
	}
	if serr := stageErrorFromProto(resp.GetError()); serr != nil {
		return Result{}, serr
	}
	outs, err := outputsFromProto(resp.GetOutputs())
	if err != nil {
		return Result{}, err
	}
	return resultFromProto(resp, p, outs)
}

// processInLane makes the call with p's records in lane l, which it gives
// back. sent is false when the records do not fit in the lane, and the
// call is still to be made.
func (c *grpcClient) processInLane(ctx context.Context, p *Partition, l *lane) (res Result, sent bool, err error) {
	n, ok := putSharedRecords(l.buf, p.Records)
	if !ok {
		c.lanes.put(l, true)
		return Result{}, false, nil
	}
	l.used = n
	req := &jobpb.ProcessPartitionRequest{
		BatchTime: timeToProto(p.BatchTime),
		Topic:     p.Topic,
		Partition: p.Partition,
		Records:   sharedRecordsToProto(p.Records),
		Lane:      l.toProto(n),
	}
	resp := new(jobpb.ProcessPartitionResponse)
	if err := c.conn.Invoke(ctx, jobpb.Job_ProcessPartition_FullMethodName, req, resp, grpc.ForceCodecV2(codec{})); err != nil {
		// The plugin may still be working in the lane.
		c.lanes.put(l, false)
		return Result{}, true, callError(err)
	}
	defer c.lanes.put(l, true)
	if serr := stageErrorFromProto(resp.GetError()); serr != nil {
		return Result{}, true, serr
	}
	outs, err := c.outputsFromLane(resp, l, n)
	if err != nil {
		return Result{}, true, err
	}
	res, err = resultFromProto(resp, p, outs)
	return res, true, err
}

// outputsFromLane decodes the response's outputs: from the lane, when the
// plugin put them there, into a copy of the host's own, since the lane
// serves the next call.
func (c *grpcClient) outputsFromLane(resp *jobpb.ProcessPartitionResponse, l *lane, recordsLength int) ([]Output, error) {
	region := resp.GetSharedOutputs()
	if region == nil {
		return outputsFromProto(resp.GetOutputs())
	}
	from := uint64(l.off) + outputsRoom(uint64(recordsLength))
	end := uint64(l.off) + laneBytes
	if region.GetOffset() < from || region.GetOffset() > end || region.GetLength() > end-region.GetOffset() {
		return nil, fmt.Errorf("%w: outputs at %d of %d bytes are not in the call's lane [%d, %d)", ErrProtocol, region.GetOffset(), region.GetLength(), from, end)
	}
	start := int(region.GetOffset()) - l.off - laneControlBytes
	l.used = start + int(region.GetLength())
	// Clone leaves the copy's memory uncleared before it is overwritten.
	return sharedOutputsFromProto(resp.GetOutputs(), bytes.Clone(l.buf[start:l.used]))
}

// resultFromProto completes the result of a call that returned outs.
func resultFromProto(resp *jobpb.ProcessPartitionResponse, p *Partition, outs []Output) (Result, error) {
	res := Result{
		Outputs:    outs,
		Aggregates: keyValuesFromProto(resp.GetAggregates()),
		Metrics:    metricsFromProto(resp.GetMetrics()),
	}
	if rej := resp.GetRejected(); len(rej) > 0 {
		res.Rejected = make([]Rejected, len(rej))
		for i, r := range rej {
			idx := int(r.GetRecordIndex())
			if idx < 0 || idx >= len(p.Records) {
				return Result{}, fmt.Errorf("%w: rejected record index %d, but the partition has %d records", ErrProtocol, idx, len(p.Records))
			}
			res.Rejected[i] = Rejected{Record: p.Records[idx], Stage: stageFromProto(r.GetStage()), Reason: r.GetReason()}
		}
	}
	return res, nil
}

func (c *grpcClient) reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error) {
	resp, err := c.rpc.Reduce(ctx, &jobpb.ReduceRequest{Groups: groupsToProto(groups)})
	if err != nil {
		return nil, callError(err)
	}
	if serr := stageErrorFromProto(resp.GetError()); serr != nil {
		return nil, serr
	}
	out := keyValuesFromProto(resp.GetResults())
	if len(out) != len(groups) {
		return nil, fmt.Errorf("%w: %d reduced values for %d keys", ErrProtocol, len(out), len(groups))
	}
	for i := range out {
		if out[i].Key != groups[i].Key {
			return nil, fmt.Errorf("%w: reduced value %d is for key %q, expected %q", ErrProtocol, i, out[i].Key, groups[i].Key)
		}
	}
	return out, nil
}

func (c *grpcClient) updateState(ctx context.Context, batchTime time.Time, in []StateInput) ([]StateOutput, error) {
	resp, err := c.rpc.UpdateState(ctx, &jobpb.UpdateStateRequest{BatchTime: timeToProto(batchTime), Keys: stateInputsToProto(in)})
	if err != nil {
		return nil, callError(err)
	}
	if serr := stageErrorFromProto(resp.GetError()); serr != nil {
		return nil, serr
	}
	out := stateOutputsFromProto(resp.GetStates())
	if len(out) != len(in) {
		return nil, fmt.Errorf("%w: %d states for %d keys", ErrProtocol, len(out), len(in))
	}
	for i := range out {
		if out[i].Key != in[i].Key {
			return nil, fmt.Errorf("%w: state %d is for key %q, expected %q", ErrProtocol, i, out[i].Key, in[i].Key)
		}
	}
	return out, nil
}
