package executor

import (
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/streaming/sink"
)

// sinkFor returns the sink task t writes to: the file sink through the
// fence of the attempt that launched it, so that the outputs of a task
// whose attempt was taken over never land.
func (r *JobRunner) sinkFor(t *pb.LaunchTask) (OutputWriter, error) {
	if fs, ok := r.cfg.Sink.(sink.FileSink); ok {
		return fs.ForEpoch(t.GetEpoch())
	}
	return r.cfg.Sink, nil
}
