package driver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/hdfscheckpoint"
)

func rng(p int32, from, until int64) hdfscheckpoint.OffsetRange {
	return hdfscheckpoint.OffsetRange{Topic: "t", Partition: p, From: from, Until: until}
}

// TestSplitSize: ranges are split only when there are fewer with records
// than tasks wanted, into parts that are whole chunks.
func TestSplitSize(t *testing.T) {
	for _, c := range []struct {
		ranges []hdfscheckpoint.OffsetRange
		chunk  int64
		want   int
		size   int64
	}{
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 1000)}, 100, 4, 300},
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 1000), rng(1, 5, 5)}, 100, 4, 300},
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 1000), rng(1, 0, 400)}, 100, 4, 500},
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 1000), rng(1, 0, 1000)}, 100, 2, 0}, // enough ranges
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 100)}, 100, 4, 0},                   // one chunk: nothing to cut
		{[]hdfscheckpoint.OffsetRange{rng(0, 0, 1000)}, 0, 4, 0},                    // no chunks: no split
	} {
		if got := splitSize(c.ranges, c.chunk, c.want); got != c.size {
			t.Errorf("splitSize(%v, chunk %d, want %d) = %d, want %d", c.ranges, c.chunk, c.want, got, c.size)
		}
	}
}

// TestSplitRanges: parts cover the range exactly, start at chunk
// boundaries and number their first chunk from the range's start.
func TestSplitRanges(t *testing.T) {
	got := splitRanges([]hdfscheckpoint.OffsetRange{rng(0, 1000, 2000), rng(1, 7, 7), rng(2, 0, 250)}, 100, 300)
	want := "[t-0 [1000,1300) base 0 t-0 [1300,1600) base 3 t-0 [1600,1900) base 6 t-0 [1900,2000) base 9 t-2 [0,250) base 0]"
	var parts []string
	for _, tr := range got {
		parts = append(parts, fmt.Sprintf("%s-%d [%d,%d) base %d", tr.Topic, tr.Partition, tr.From, tr.Until, tr.base))
	}
	if s := fmt.Sprint(parts); s != want {
		t.Fatalf("splitRanges = %s\nwant %s", s, want)
	}
}

// FuzzMetaOffsets: a size read from an offsets entry's meta is a
// non-negative number or an error naming the key, never a panic.
func FuzzMetaOffsets(f *testing.F) {
	for _, v := range []string{"8192", "0", "-1", "1e3", "", "99999999999999999999"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, err := metaOffsets(map[string]string{metaSplitOffsets: v}, metaSplitOffsets)
		if err != nil {
			if !strings.Contains(err.Error(), metaSplitOffsets) {
				t.Fatalf("error %v does not name %s", err, metaSplitOffsets)
			}
			return
		}
		if n < 0 {
			t.Fatalf("metaOffsets(%q) = %d", v, n)
		}
	})
}
