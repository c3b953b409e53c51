package sdk

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcServer serves the Job service inside the plugin: it translates
// requests from proto, calls the runner, and translates its results back.
// ProcessPartition is served by processPartitionHandler (see jobService),
// not through jobpb.JobServer.
type grpcServer struct {
	jobpb.UnimplementedJobServer
	impl processor
	// shared is the memory the host shared with the plugin, nil when it
	// shared none or it could not be mapped.
	shared *sharedMem
}

// jobService is the Job service as the plugin serves it: jobpb's, with a
// ProcessPartition handler whose response gives its buffers back to
// columnBuffers once sent.
func jobService() *grpc.ServiceDesc {
	desc := jobpb.Job_ServiceDesc
	desc.Methods = slices.Clone(desc.Methods)
	for i := range desc.Methods {
		if desc.Methods[i].MethodName == "ProcessPartition" {
			desc.Methods[i].Handler = processPartitionHandler
		}
	}
	return &desc
}

// processPartitionHandler is the handler jobpb generates for
// ProcessPartition, but calling grpcServer.processPartition, whose
// response is a pooledResponse rather than the bare message.
func processPartitionHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := new(jobpb.ProcessPartitionRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	s := srv.(*grpcServer)
	call := func(ctx context.Context, req any) (any, error) {
		resp, err := s.processPartition(ctx, req.(*jobpb.ProcessPartitionRequest))
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
	if interceptor == nil {
		return call(ctx, in)
	}
	return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: jobpb.Job_ProcessPartition_FullMethodName}, call)
}

// recordSlices holds []Record slices for ProcessPartition to reuse. A
// partition's slice never reaches the job, which is given copies of its
// records and reports rejections by index, so it is free once the call
// is over; reusing it spares an allocation the size of the partition. A
// channel rather than a sync.Pool, which drops its contents at every
// garbage collection.
var recordSlices = make(chan *[]Record, maxPooled)

// statusOf turns a call-level error into a gRPC status; failures of the
// job's own code never get here, they travel in the response.
func statusOf(err error) error {
	switch {
	case errors.Is(err, ErrNotConfigured):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, ErrAlreadyConfigured):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, ErrUnsupported):
		return status.Error(codes.Unimplemented, err.Error())
	default:
		return status.FromContextError(err).Err()
	}
}

// Configure configures the job.
func (s *grpcServer) Configure(ctx context.Context, req *jobpb.ConfigureRequest) (*jobpb.ConfigureResponse, error) {
	args := make([]string, len(req.GetArgs()))
	for i, a := range req.GetArgs() {
		args[i] = string(a)
	}
	conf := req.GetConf()
	if conf == nil {
		conf = map[string]string{}
	}
	caps, err := s.impl.configure(ctx, conf, args)
	if serr, ok := errors.AsType[*StageError](err); ok {
		return &jobpb.ConfigureResponse{Error: stageErrorToProto(serr)}, nil
	} else if err != nil {
		return nil, statusOf(err)
	}
	pc := capabilitiesToProto(caps)
	pc.SharedMemory = s.shared != nil
	return &jobpb.ConfigureResponse{Capabilities: pc}, nil
}

// processPartition runs the job's stages over one partition. The
// response's output columns come from columnBuffers, to which the codec
// gives them back once they are sent.
func (s *grpcServer) processPartition(ctx context.Context, req *jobpb.ProcessPartitionRequest) (*pooledResponse, error) {
	start := time.Now()
	var recs *[]Record
	select {
	case recs = <-recordSlices:
	default:
		recs = new([]Record)
	}
	defer func() {
		select {
		case recordSlices <- recs:
		default:
		}
	}()
	var room []byte
	var roomOff uint64
	var p Partition
	var err error
	if l := req.GetLane(); l != nil {
		if s.shared == nil {
			return nil, status.Error(codes.InvalidArgument, "the call names a lane of shared memory, but the host shared none with this plugin")
		}
		var records []byte
		if records, room, roomOff, err = s.shared.laneRegions(l); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		defer s.shared.finish(l)
		p, err = partitionFromShared(req, records, *recs)
	} else {
		p, err = partitionFromProto(req, *recs)
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	*recs = p.Records
	res, err := s.impl.processPartition(ctx, &p)
	if serr, ok := errors.AsType[*StageError](err); ok {
		return &pooledResponse{&jobpb.ProcessPartitionResponse{Error: stageErrorToProto(serr)}}, nil
	} else if err != nil {
		return nil, statusOf(err)
	}
	resp := &jobpb.ProcessPartitionResponse{Aggregates: keyValuesToProto(res.aggregates)}
	// Outputs go to the lane when there is one and they fit.
	if n, ok := 0, false; len(res.outputs) > 0 && room != nil {
		if n, ok = putSharedOutputs(room, res.outputs); ok {
			resp.Outputs = sharedOutputsToProto(res.outputs)
			resp.SharedOutputs = &jobpb.SharedRegion{Offset: roomOff, Length: uint64(n)}
		}
	}
	if resp.SharedOutputs == nil {
		resp.Outputs = outputsToProto(res.outputs, &columnBuffers)
	}
	if len(res.rejected) > 0 {
		resp.Rejected = make([]*jobpb.Rejected, len(res.rejected))
		for i, r := range res.rejected {
			resp.Rejected[i] = &jobpb.Rejected{RecordIndex: int32(r.index), Stage: stageToProto(r.stage), Reason: cleanText(r.reason)}
		}
	}
	res.metrics.Total = time.Since(start)
	resp.Metrics = metricsToProto(res.metrics)
	return &pooledResponse{resp}, nil
}

// Reduce reduces each key's values with the job's Reduce.
func (s *grpcServer) Reduce(ctx context.Context, req *jobpb.ReduceRequest) (*jobpb.ReduceResponse, error) {
	out, err := s.impl.reduce(ctx, groupsFromProto(req.GetGroups()))
	if serr, ok := errors.AsType[*StageError](err); ok {
		return &jobpb.ReduceResponse{Error: stageErrorToProto(serr)}, nil
	} else if err != nil {
		return nil, statusOf(err)
	}
	return &jobpb.ReduceResponse{Results: keyValuesToProto(out)}, nil
}

// UpdateState computes each key's new state with the job's UpdateState.
func (s *grpcServer) UpdateState(ctx context.Context, req *jobpb.UpdateStateRequest) (*jobpb.UpdateStateResponse, error) {
	out, err := s.impl.updateState(ctx, timeFromProto(req.GetBatchTime()), stateInputsFromProto(req.GetKeys()))
	if serr, ok := errors.AsType[*StageError](err); ok {
		return &jobpb.UpdateStateResponse{Error: stageErrorToProto(serr)}, nil
	} else if err != nil {
		return nil, statusOf(err)
	}
	return &jobpb.UpdateStateResponse{States: stateOutputsToProto(out)}, nil
}
