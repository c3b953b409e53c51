package shuffle

import (
	"fmt"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// BlockID names one reduce partition of one keyed stage in one map task's
// output of one batch.
type BlockID struct {
	BatchMs   int64
	Map       int
	Stage     int
	Partition int
}

func (b BlockID) String() string {
	return fmt.Sprintf("batch %d map %d stage %d partition %d", b.BatchMs, b.Map, b.Stage, b.Partition)
}

func (b BlockID) toProto() *pb.BlockId {
	return &pb.BlockId{BatchMs: b.BatchMs, MapIndex: int32(b.Map), Stage: int32(b.Stage), Partition: int32(b.Partition)}
}

func blockFromProto(p *pb.BlockId) BlockID {
	return BlockID{BatchMs: p.GetBatchMs(), Map: int(p.GetMapIndex()), Stage: int(p.GetStage()), Partition: int(p.GetPartition())}
}
