package shuffle

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Pair is one keyed value a map task gives a stage.
type Pair struct {
	// Stage is the keyed stage's position among the job's.
	Stage int
	Key   string
	Value []byte
	// Side is the join side (0 or 1).
	Side uint8
}

// The files of a map output, under an application's local dir.
const (
	shuffleDir  = "shuffle"
	dataSuffix  = ".data"
	indexSuffix = ".index"
)

// BatchDir is where the map outputs of the batch at batchMs live under an
// application's local dir (<local-dir>/<appId>).
func BatchDir(appDir string, batchMs int64) string {
	return filepath.Join(appDir, shuffleDir, strconv.FormatInt(batchMs, 10))
}

// ShuffleRoot holds every batch's map outputs under an application's
// local dir.
func ShuffleRoot(appDir string) string { return filepath.Join(appDir, shuffleDir) }

// MapFiles are the data and index files of map task m in a batch's dir.
func MapFiles(batchDir string, m int) (data, index string) {
	base := filepath.Join(batchDir, "map-"+strconv.Itoa(m))
	return base + dataSuffix, base + indexSuffix
}

// BatchOf reads the batch time of a batch dir's name; ok is false for a
// name that is not one.
func BatchOf(name string) (int64, bool) {
	ms, err := strconv.ParseInt(name, 10, 64)
	return ms, err == nil && ms >= 0 && !strings.HasPrefix(name, "+")
}

// Writer writes one map task's output as Spark's sort shuffle does: each
// chunk's pairs are sorted by block (stage, then reduce partition) and key
// and spilled as a run, so that the task holds one chunk at a time; Commit
// merges the runs into the data file and writes its index.
type Writer struct {
	dir        string
	mapIndex   int
	partitions []int32
	// first is each stage's first block.
	first []int
	runs  []run
	// Bytes and Records count what Commit wrote.
	Bytes, Records int64
}

// run is one spilled chunk: a temporary file of blocks and its offsets.
type run struct {
	path    string
	offsets []int64
}

// NewWriter starts map task mapIndex's output in batchDir, for stages with
// the given numbers of reduce partitions.
func NewWriter(batchDir string, mapIndex int, partitions []int32) (*Writer, error) {
	if len(partitions) == 0 || len(partitions) > MaxStages {
		return nil, fmt.Errorf("shuffle: %d stages; want 1 to %d", len(partitions), MaxStages)
	}
	w := &Writer{dir: batchDir, mapIndex: mapIndex, partitions: partitions, first: make([]int, len(partitions))}
	total := 0
	for s, n := range partitions {
		if n <= 0 {
			return nil, fmt.Errorf("shuffle: stage %d has %d partitions", s, n)
		}
		w.first[s] = total
		total += int(n)
	}
	if total > MaxPartitions {
		return nil, fmt.Errorf("shuffle: %d partitions in all, more than %d", total, MaxPartitions)
	}
	if err := os.MkdirAll(batchDir, 0o750); err != nil {
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	return w, nil
}

func (w *Writer) blocks() int {
	return w.first[len(w.first)-1] + int(w.partitions[len(w.partitions)-1])
}

// block is the block of p.
func (w *Writer) block(p Pair) int {
	return w.first[p.Stage] + Partition(p.Key, int(w.partitions[p.Stage]))
}

// AddChunk sorts one chunk's pairs and spills them as a run. Pairs of
// equal keys keep their order.
func (w *Writer) AddChunk(pairs []Pair) error {
	if len(pairs) == 0 {
		return nil
	}
	type entry struct {
		block int
		p     *Pair
	}
	entries := make([]entry, len(pairs))
	for i := range pairs {
		if s := pairs[i].Stage; s < 0 || s >= len(w.partitions) {
			return fmt.Errorf("shuffle: a pair for stage %d of %d", s, len(w.partitions))
		}
		entries[i] = entry{w.block(pairs[i]), &pairs[i]}
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(a.block, b.block); c != 0 {
			return c
		}
		return strings.Compare(a.p.Key, b.p.Key)
	})
	f, err := os.CreateTemp(w.dir, fmt.Sprintf(".map-%d.run-*", w.mapIndex))
	if err != nil {
		return fmt.Errorf("shuffle: spill: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	r := run{path: f.Name(), offsets: make([]int64, w.blocks()+1)}
	var off int64
	var buf []byte
	next := 0
	for b := range w.blocks() {
		r.offsets[b] = off
		for ; next < len(entries) && entries[next].block == b; next++ {
			p := entries[next].p
			buf = AppendRecord(buf[:0], []byte(p.Key), p.Value, p.Side)
			bw.Write(buf)
			off += int64(len(buf))
		}
	}
	r.offsets[w.blocks()] = off
	err = bw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("shuffle: spill: %w", err)
	}
	w.runs = append(w.runs, r)
	return nil
}

// Commit merges the runs into the map output's data file, writes its
// index, and returns the index; both files appear whole or not at all
// (the index last, so that a reader that finds the index finds the data).
func (w *Writer) Commit() (Index, error) {
	defer w.Abort()
	data, index := MapFiles(w.dir, w.mapIndex)
	f, err := os.CreateTemp(w.dir, fmt.Sprintf(".map-%d.data-*", w.mapIndex))
	if err != nil {
		return Index{}, fmt.Errorf("shuffle: %w", err)
	}
	defer os.Remove(f.Name())
	ix, err := w.merge(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Index{}, fmt.Errorf("shuffle: write map output %s: %w", data, err)
	}
	if err := os.Rename(f.Name(), data); err != nil {
		return Index{}, fmt.Errorf("shuffle: %w", err)
	}
	if err := writeFileAtomic(index, ix.Encode()); err != nil {
		return Index{}, fmt.Errorf("shuffle: write index %s: %w", index, err)
	}
	w.Bytes = ix.DataSize()
	return ix, nil
}

// merge writes the runs' blocks, merged, to out and returns their index.
func (w *Writer) merge(out *os.File) (Index, error) {
	ix := Index{Partitions: w.partitions, Offsets: make([]int64, w.blocks()+1), Checksums: make([]uint32, w.blocks())}
	readers := make([]*bufio.Reader, len(w.runs))
	for i, r := range w.runs {
		f, err := os.Open(r.path)
		if err != nil {
			return Index{}, err
		}
		defer f.Close()
		readers[i] = bufio.NewReaderSize(f, 1<<16)
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	var off int64
	var buf []byte
	for b := range w.blocks() {
		ix.Offsets[b] = off
		srcs := make([]Source, len(w.runs))
		for i, r := range w.runs {
			srcs[i] = NewRecordReader(readers[i], r.offsets[b+1]-r.offsets[b], "sorted run "+r.path)
		}
		m := NewMerger(srcs)
		crc := uint32(0)
		for {
			rec, _, err := m.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return Index{}, err
			}
			buf = AppendRecord(buf[:0], rec.Key, rec.Value, rec.Side)
			if _, err := bw.Write(buf); err != nil {
				return Index{}, err
			}
			crc = crc32Update(crc, buf)
			off += int64(len(buf))
			w.Records++
		}
		ix.Checksums[b] = crc
	}
	ix.Offsets[w.blocks()] = off
	return ix, bw.Flush()
}

// Abort removes the runs not yet merged.
func (w *Writer) Abort() {
	for _, r := range w.runs {
		os.Remove(r.path)
	}
	w.runs = nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// newBufReader is a buffered reader sized for a block of n bytes.
func newBufReader(r io.Reader, n int) *bufio.Reader {
	return bufio.NewReaderSize(r, min(max(n, 16), 1<<16))
}
