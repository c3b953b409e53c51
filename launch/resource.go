package launch

import (
	"errors"
	"fmt"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
)

// ErrInvalidResourceRequest is wrapped when a container is asked for that
// the scheduler could never allocate. It keeps the name of YARN's
// exception, which users of YARN search their logs for.
var ErrInvalidResourceRequest = errors.New("launch: InvalidResourceRequestException")

// Spark's overhead rule, when a container's overhead is not given:
// max(384 MiB, 10% of its memory).
const (
	MinOverheadMB   = 384
	overheadPercent = 10
)

// Overhead returns the memory overhead of a container whose process memory
// is memoryMB: requestedMB when positive, else max(384 MiB, 10% of
// memoryMB).
func Overhead(memoryMB, requestedMB int64) int64 {
	if requestedMB > 0 {
		return requestedMB
	}
	return max(MinOverheadMB, memoryMB*overheadPercent/100)
}

// ExecutorOverheadMB is the executors' memory overhead in MiB, as Spark
// sizes it: spark.executor.memoryOverhead when set; else, when
// spark.executor.memoryOverheadFactor is set, max(384 MiB, factor ×
// spark.executor.memory); else 0, for Overhead's rule, which is the
// default factor's.
func ExecutorOverheadMB(a conf.AppConf) int64 {
	return overheadMB(a, conf.KeyExecutorMemoryOverhead, conf.KeyExecutorOverheadFactor, conf.KeyExecutorMemory)
}

// DriverOverheadMB is the driver's memory overhead in MiB, as
// ExecutorOverheadMB with the spark.driver.* keys.
func DriverOverheadMB(a conf.AppConf) int64 {
	return overheadMB(a, conf.KeyDriverMemoryOverhead, conf.KeyDriverOverheadFactor, conf.KeyDriverMemory)
}

func overheadMB(a conf.AppConf, overhead, factor, memory string) int64 {
	switch {
	case a.IsSet(overhead):
		return a.MB(overhead)
	case a.IsSet(factor):
		return max(MinOverheadMB, int64(a.Float(factor)*float64(a.MB(memory))))
	}
	return 0
}

// ResourceAsk is the container one role of an application asks for, with
// the settings that asked, for messages.
type ResourceAsk struct {
	// Role names the containers: "executor", "driver", "ApplicationMaster".
	Role string
	// MemoryMB is the process memory, OverheadMB the overhead asked for
	// (0: Overhead's rule).
	MemoryMB, OverheadMB int64
	// VCores is the container's virtual cores.
	VCores int32
	// MemoryKey, OverheadKey and CoresKey are the settings behind them.
	MemoryKey, OverheadKey, CoresKey string
}

// CheckMaximum refuses an ask larger than the scheduler's maximum
// allocation, in the words of YARN's InvalidResourceRequestException,
// with the numbers and the settings to change. A nil or zero maximum
// checks nothing.
func (r ResourceAsk) CheckMaximum(max *pb.Resource) error {
	overhead := Overhead(r.MemoryMB, r.OverheadMB)
	if size := r.MemoryMB + overhead; max.GetMemoryMb() > 0 && size > max.GetMemoryMb() {
		return fmt.Errorf("%w: Invalid resource request, requested memory < 0, or requested memory > max configured, requestedMemory=%d, maxMemory=%d: "+
			"each %s container needs %d MiB (%s) + %d MiB overhead (%s), above the cluster's yarn.scheduler.maximum-allocation-mb; "+
			"lower %s or %s, or ask the administrator to raise the maximum",
			ErrInvalidResourceRequest, size, max.GetMemoryMb(), r.Role, r.MemoryMB, r.MemoryKey, overhead, r.OverheadKey, r.MemoryKey, r.OverheadKey)
	}
	if max.GetVcores() > 0 && r.VCores > max.GetVcores() {
		return fmt.Errorf("%w: Invalid resource request, requested virtual cores < 0, or requested virtual cores > max configured, requestedVirtualCores=%d, maxVirtualCores=%d: "+
			"each %s container asks for %d vcores (%s), above the cluster's yarn.scheduler.maximum-allocation-vcores; lower %s or ask the administrator to raise the maximum",
			ErrInvalidResourceRequest, r.VCores, max.GetVcores(), r.Role, r.VCores, r.CoresKey, r.CoresKey)
	}
	return nil
}
