package shuffle

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readAll merges the blocks of (stage, partition) from every map output
// and returns the records in merge order.
func readAll(t *testing.T, dir string, maps, stage, partition int) []Record {
	t.Helper()
	var srcs []Source
	for m := range maps {
		data, index := MapFiles(dir, m)
		b, err := ReadBlock(data, index, stage, partition)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, BytesSource(b, fmt.Sprintf("map %d", m)))
	}
	var out []Record
	mg := NewMerger(srcs)
	for {
		rec, _, err := mg.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// TestWriterSortsPartitionsAndMerges: pairs of two stages written in
// several chunks by two map tasks come back, per reduce partition, sorted
// by key, each key's values in map order then chunk order, and every pair
// is in the partition its key hashes to.
func TestWriterSortsPartitionsAndMerges(t *testing.T) {
	dir := t.TempDir()
	parts := []int32{3, 2}
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[[2]int][]string{} // (stage, partition) → "key=value" in expected order
	type kv struct{ k, v string }
	for m := range 2 {
		w, err := NewWriter(dir, m, parts)
		if err != nil {
			t.Fatal(err)
		}
		var perBlock = map[[2]int][]kv{}
		for c := range 3 {
			var chunk []Pair
			for i := range 50 {
				s := rng.IntN(2)
				k := fmt.Sprintf("k%02d", rng.IntN(20))
				v := fmt.Sprintf("m%d.c%d.i%d", m, c, i)
				chunk = append(chunk, Pair{Stage: s, Key: k, Value: []byte(v), Side: uint8(i % 2)})
				b := [2]int{s, Partition(k, int(parts[s]))}
				perBlock[b] = append(perBlock[b], kv{k, v})
			}
			if err := w.AddChunk(chunk); err != nil {
				t.Fatal(err)
			}
		}
		ix, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if w.Records != 150 || ix.Blocks() != 5 || w.Bytes != ix.DataSize() {
			t.Fatalf("records %d, blocks %d, bytes %d vs %d", w.Records, ix.Blocks(), w.Bytes, ix.DataSize())
		}
		for b, kvs := range perBlock {
			slices.SortStableFunc(kvs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
			for _, x := range kvs {
				want[b] = append(want[b], x.k+"="+x.v)
			}
		}
	}
	// Map 0's values of a key come before map 1's: merge two sorted lists.
	for b, all := range want {
		slices.SortStableFunc(all, func(x, y string) int {
			return strings.Compare(strings.SplitN(x, "=", 2)[0], strings.SplitN(y, "=", 2)[0])
		})
		var got []string
		for _, r := range readAll(t, dir, 2, b[0], b[1]) {
			if p := Partition(string(r.Key), int(parts[b[0]])); p != b[1] {
				t.Fatalf("key %s in partition %d, hashes to %d", r.Key, b[1], p)
			}
			got = append(got, string(r.Key)+"="+string(r.Value))
		}
		if !slices.Equal(got, all) {
			t.Fatalf("block %v:\n got %v\nwant %v", b, got, all)
		}
	}
	// No temporary file is left behind.
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			t.Fatalf("left %s", de.Name())
		}
	}
}

// TestWriterWithoutPairs writes an output with empty blocks that readers
// accept.
func TestWriterWithoutPairs(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, 7, []int32{4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, filepath.Clean(dir), 0, 0, 0); len(got) != 0 {
		t.Fatal(got)
	}
	data, index := MapFiles(dir, 7)
	if b, err := ReadBlock(data, index, 0, 3); err != nil || len(b) != 0 {
		t.Fatalf("%q %v", b, err)
	}
}

// TestReadBlockRefusesDamage: a flipped byte in the data, a truncated data
// file or index, and a missing output are each an error that names it.
func TestReadBlockRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	w, _ := NewWriter(dir, 0, []int32{1})
	w.AddChunk([]Pair{{Key: "a", Value: []byte("1")}, {Key: "b", Value: []byte("2")}})
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	data, index := MapFiles(dir, 0)
	raw, _ := os.ReadFile(data)
	flipped := slices.Clone(raw)
	flipped[len(flipped)-1] ^= 1
	os.WriteFile(data, flipped, 0o600)
	if _, err := ReadBlock(data, index, 0, 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped byte: %v", err)
	}
	os.WriteFile(data, raw[:3], 0o600)
	if _, err := ReadBlock(data, index, 0, 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short data: %v", err)
	}
	ixRaw, _ := os.ReadFile(index)
	os.WriteFile(index, ixRaw[:len(ixRaw)-1], 0o600)
	if _, err := ReadBlock(data, index, 0, 0); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), index) {
		t.Fatalf("short index: %v", err)
	}
	if _, err := ReadBlock(data+"x", index+"x", 0, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

// TestPartitionIsStable pins the partitioner, which keyed state kept
// between batches and in checkpoints depends on, to FNV-1a as the
// standard library computes it.
func TestPartitionIsStable(t *testing.T) {
	for key, want := range map[string]int{"": 2, "a": 5, "user-42": 6, "the title": 0} {
		if got := Partition(key, 7); got != want {
			t.Errorf("Partition(%q, 7) = %d, want %d", key, got, want)
		}
		h := fnv.New32a()
		h.Write([]byte(key))
		if got, std := Partition(key, 1000), int(h.Sum32()%1000); got != std {
			t.Errorf("Partition(%q, 1000) = %d, hash/fnv gives %d", key, got, std)
		}
	}
}
