package sink

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func TestDeduplicatorKeepsFirst(t *testing.T) {
	var d Deduplicator
	if !d.Newest().IsZero() {
		t.Fatalf("Newest of an empty deduplicator = %v", d.Newest())
	}
	ids := []OutputID{
		{BatchTimeMs: 1000, Topic: "a", Partition: 0, Index: 0, Count: 2},
		{BatchTimeMs: 1000, Topic: "a", Partition: 0, Index: 1, Count: 2},
		{BatchTimeMs: 1000, Topic: "a", Partition: 1, Index: 0, Count: 2},
		{BatchTimeMs: 1000, Topic: "b", Partition: 0, Index: 0, Count: 2},
		{BatchTimeMs: 2000, Topic: "a", Partition: 0, Index: 0, Count: 2},
	}
	for _, id := range ids {
		if !d.First(id) {
			t.Fatalf("%v reported as a duplicate the first time", id)
		}
	}
	for _, id := range ids[:3] {
		if d.First(id) {
			t.Fatalf("%v reported as first the second time", id)
		}
	}
	if d.Duplicates() != 3 || d.Len() != len(ids) {
		t.Fatalf("Duplicates %d, Len %d; want 3, %d", d.Duplicates(), d.Len(), len(ids))
	}
	if got := d.Newest(); !got.Equal(time.UnixMilli(2000)) {
		t.Fatalf("Newest = %v, want 2000 ms", got)
	}
	if n := d.ForgetBefore(time.UnixMilli(2000)); n != 4 || d.Len() != 1 {
		t.Fatalf("ForgetBefore dropped %d, left %d; want 4, 1", n, d.Len())
	}
	// Forgotten: seen as first again; remembered: still a duplicate.
	if !d.First(ids[0]) || d.First(ids[4]) {
		t.Fatal("after ForgetBefore, the forgotten batch must be new and the kept one a duplicate")
	}
}

func TestDeduplicatorFirstMessage(t *testing.T) {
	var d Deduplicator
	id := OutputID{BatchTimeMs: 5, Topic: "t", Partition: 1, Index: 2, Count: 3}
	m := &sarama.ConsumerMessage{Headers: ptrs(id.Headers())}
	for i, want := range []bool{true, false} {
		first, got, err := d.FirstMessage(m)
		if err != nil || got != id || first != want {
			t.Fatalf("delivery %d: FirstMessage = %v, %+v, %v; want %v, %+v", i, first, got, err, want, id)
		}
	}
	if _, _, err := d.FirstMessage(&sarama.ConsumerMessage{}); !errors.Is(err, ErrBadOutputHeaders) {
		t.Fatalf("message without headers: %v", err)
	}
	if d.Len() != 1 || d.Duplicates() != 1 {
		t.Fatalf("Len %d Duplicates %d, want 1 and 1", d.Len(), d.Duplicates())
	}
}

func TestDeduplicatorConcurrent(t *testing.T) {
	var d Deduplicator
	const workers, n = 4, 500
	firsts := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				if d.First(OutputID{BatchTimeMs: int64(i % 7), Topic: "t", Index: i, Count: n}) {
					firsts[w]++
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, f := range firsts {
		total += f
	}
	if total != n || d.Duplicates() != (workers-1)*n {
		t.Fatalf("%d firsts, %d duplicates; want %d and %d", total, d.Duplicates(), n, (workers-1)*n)
	}
}
