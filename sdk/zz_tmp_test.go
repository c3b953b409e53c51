package sdk

import (
	"testing"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc/mem"
)

func zzPartition() Partition {
	batch := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	buf := make([]byte, 10000*100)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	p := Partition{PartitionInfo: PartitionInfo{BatchTime: batch, Topic: "bench", Partition: 3}, Records: make([]Record, 10000)}
	for i := range p.Records {
		p.Records[i] = Record{Topic: "bench", Partition: 3, Offset: 1_000_000 + int64(i), Value: buf[i*100 : (i+1)*100 : (i+1)*100], Timestamp: batch.Add(-time.Duration(10000-i) * time.Millisecond)}
	}
	return p
}

func BenchmarkZZEncodeReq(b *testing.B) {
	p := zzPartition()
	for b.Loop() {
		bs, err := codec{}.Marshal(partitionToProto(&p))
		if err != nil {
			b.Fatal(err)
		}
		bs.Free()
	}
}

func BenchmarkZZToProto(b *testing.B) {
	p := zzPartition()
	for b.Loop() {
		partitionToProto(&p)
	}
}

func BenchmarkZZDecodeReq(b *testing.B) {
	p := zzPartition()
	bs, _ := codec{}.Marshal(partitionToProto(&p))
	data := mem.BufferSlice{mem.SliceBuffer(bs.Materialize())}
	for b.Loop() {
		var req jobpb.ProcessPartitionRequest
		if err := (codec{}).Unmarshal(data, &req); err != nil {
			b.Fatal(err)
		}
		if _, err := partitionFromProto(&req, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZZUnmarshalReq(b *testing.B) {
	p := zzPartition()
	bs, _ := codec{}.Marshal(partitionToProto(&p))
	data := mem.BufferSlice{mem.SliceBuffer(bs.Materialize())}
	for b.Loop() {
		var req jobpb.ProcessPartitionRequest
		if err := (codec{}).Unmarshal(data, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZZEncodeResp(b *testing.B) {
	p := zzPartition()
	outs := make([]Output, len(p.Records))
	for i := range outs {
		outs[i].Value = p.Records[i].Value
	}
	for b.Loop() {
		bs, err := codec{}.Marshal(&jobpb.ProcessPartitionResponse{Outputs: outputsToProto(outs), Metrics: &jobpb.Metrics{}})
		if err != nil {
			b.Fatal(err)
		}
		bs.Free()
	}
}

func BenchmarkZZDecodeResp(b *testing.B) {
	p := zzPartition()
	outs := make([]Output, len(p.Records))
	for i := range outs {
		outs[i].Value = p.Records[i].Value
	}
	bs, _ := codec{}.Marshal(&jobpb.ProcessPartitionResponse{Outputs: outputsToProto(outs), Metrics: &jobpb.Metrics{}})
	data := mem.BufferSlice{mem.SliceBuffer(bs.Materialize())}
	for b.Loop() {
		var resp jobpb.ProcessPartitionResponse
		if err := (codec{}).Unmarshal(data, &resp); err != nil {
			b.Fatal(err)
		}
		if _, err := outputsFromProto(resp.Outputs); err != nil {
			b.Fatal(err)
		}
	}
}
