package executor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/shuffle"
)

// fetchFailure is a reduce task's failure to fetch map outputs: it is
// reported to the driver, which runs the map tasks that wrote them again,
// rather than failing the task.
type fetchFailure struct {
	failed *pb.FetchFailed
}

func (f *fetchFailure) Error() string {
	return fmt.Sprintf("fetch %d map outputs from %s: %s", len(f.failed.GetMaps()), f.failed.GetAddress(), f.failed.GetMessage())
}

// fetchBlocks fetches (stage, partition)'s block of each map output, in
// map order, from the first of each output's addresses that serves it:
// the node's shuffle service, else the executor that wrote it. Outputs
// that no address serves are a *fetchFailure.
func fetchBlocks(ctx context.Context, f *shuffle.Fetcher, maps []*pb.MapOutput, stage, partition int) ([][]byte, int64, error) {
	maps = append([]*pb.MapOutput(nil), maps...)
	sort.Slice(maps, func(i, j int) bool { return maps[i].GetMapIndex() < maps[j].GetMapIndex() })
	blocks := make([][]byte, len(maps))
	pending := make([]int, len(maps))
	for i := range maps {
		pending[i] = i
	}
	var lastErr error
	var lastAddr string
	for try := 0; len(pending) > 0; try++ {
		byAddr := map[string][]int{}
		var left []int
		for _, i := range pending {
			addrs := maps[i].GetAddresses()
			if try >= len(addrs) {
				left = append(left, i)
				continue
			}
			byAddr[addrs[try]] = append(byAddr[addrs[try]], i)
		}
		if len(byAddr) == 0 {
			pending = left
			break
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		next := left
		for addr, idx := range byAddr {
			wg.Go(func() {
				ids := make([]shuffle.BlockID, len(idx))
				for j, i := range idx {
					ids[j] = shuffle.BlockID{BatchMs: maps[i].GetBatchMs(), Map: int(maps[i].GetMapIndex()), Stage: stage, Partition: partition}
				}
				got, err := f.Fetch(ctx, addr, ids)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					next = append(next, idx...)
					lastErr, lastAddr = err, addr
					return
				}
				for j, i := range idx {
					blocks[i] = got[j]
				}
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		pending = next
	}
	if len(pending) > 0 {
		var fe *shuffle.FetchError
		if errors.As(lastErr, &fe) {
			lastAddr = fe.Addr
		}
		msg := "no address serves them"
		if lastErr != nil {
			msg = lastErr.Error()
		}
		failed := &pb.FetchFailed{Address: lastAddr, Message: msg}
		sort.Ints(pending)
		for _, i := range pending {
			failed.Maps = append(failed.Maps, maps[i])
		}
		return nil, 0, &fetchFailure{failed: failed}
	}
	var n int64
	for _, b := range blocks {
		n += int64(len(b))
	}
	return blocks, n, nil
}

// mergedGroups merges fetched blocks into one group per key, in key order.
func mergedGroups(blocks [][]byte) *shuffle.Grouper {
	srcs := make([]shuffle.Source, len(blocks))
	for i, b := range blocks {
		srcs[i] = shuffle.BytesSource(b, fmt.Sprintf("map output %d", i))
	}
	return shuffle.NewGrouper(shuffle.NewMerger(srcs))
}
