package statestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path"
	"sort"
	"strconv"

	"github.com/spindlehq/spindle/dfs"
)

// ErrCorrupt is wrapped by the errors of a checkpoint that cannot be read
// as written.
var ErrCorrupt = errors.New("statestore: corrupt state checkpoint")

// The checkpoint format: the magic, the format, the stage's name, the
// partition, the batch, the number of keys, the keys and values in key
// order, and a CRC-32C of everything before it.
const (
	checkpointMagic   = "SPCK"
	checkpointVersion = 1
	// maxField bounds a key or value a reader allocates for.
	maxField = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CheckpointDir is where a keyed stage's checkpoints live under the
// application's checkpoint dir.
func CheckpointDir(checkpointDir, stage string) string {
	return path.Join(checkpointDir, "stages", stage)
}

// CheckpointPath is partition id's checkpoint of the state after batch
// batchMs.
func CheckpointPath(checkpointDir string, id PartitionID, batchMs int64) string {
	return path.Join(CheckpointDir(checkpointDir, id.Stage), strconv.Itoa(id.Partition), strconv.FormatInt(batchMs, 10))
}

// Encode returns the checkpoint of partition id's state after batchMs.
func Encode(id PartitionID, batchMs int64, data map[string][]byte) []byte {
	keys := make([]string, 0, len(data))
	size := 0
	for k, v := range data {
		keys = append(keys, k)
		size += len(k) + len(v) + 8
	}
	sort.Strings(keys)
	b := make([]byte, 0, size+64+len(id.Stage))
	b = append(b, checkpointMagic...)
	b = append(b, checkpointVersion)
	b = binary.AppendUvarint(b, uint64(len(id.Stage)))
	b = append(b, id.Stage...)
	b = binary.AppendUvarint(b, uint64(id.Partition))
	b = binary.AppendVarint(b, batchMs)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(data[k])))
		b = append(b, data[k]...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// Decode reads a checkpoint and checks that it is partition id's after
// batchMs. Errors wrap ErrCorrupt.
func Decode(raw []byte, id PartitionID, batchMs int64) (map[string][]byte, error) {
	gotID, gotMs, data, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if gotID != id || gotMs != batchMs {
		return nil, fmt.Errorf("%w: it holds stage %q partition %d after batch %d, not stage %q partition %d after batch %d",
			ErrCorrupt, gotID.Stage, gotID.Partition, gotMs, id.Stage, id.Partition, batchMs)
	}
	return data, nil
}

func decode(raw []byte) (PartitionID, int64, map[string][]byte, error) {
	bad := func(format string, a ...any) (PartitionID, int64, map[string][]byte, error) {
		return PartitionID{}, 0, nil, fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, a...)...)
	}
	if len(raw) < len(checkpointMagic)+1+4 || string(raw[:4]) != checkpointMagic {
		return bad("%d bytes without the %q header", len(raw), checkpointMagic)
	}
	if raw[4] != checkpointVersion {
		return bad("format %d; this build reads format %d", raw[4], checkpointVersion)
	}
	body := raw[:len(raw)-4]
	if sum, got := binary.BigEndian.Uint32(raw[len(raw)-4:]), crc32.Checksum(body, castagnoli); sum != got {
		return bad("checksum %08x, computed %08x", sum, got)
	}
	r := reader{b: body[5:]}
	stage := string(r.field())
	part := r.uvarint()
	ms := r.varint()
	n := r.uvarint()
	if r.err != nil {
		return bad("header: %v", r.err)
	}
	if part > 1<<31 || n > uint64(len(body)) {
		return bad("partition %d with %d keys in %d bytes", part, n, len(body))
	}
	data := make(map[string][]byte, n)
	var last []byte
	for i := uint64(0); i < n; i++ {
		k := r.field()
		v := r.field()
		if r.err != nil {
			return bad("key %d: %v", i, r.err)
		}
		if i > 0 && bytes.Compare(k, last) <= 0 {
			return bad("key %d is out of order", i)
		}
		last = k
		data[string(k)] = bytes.Clone(v)
		if data[string(k)] == nil {
			data[string(k)] = []byte{}
		}
	}
	if len(r.b) != 0 {
		return bad("%d bytes after the last key", len(r.b))
	}
	return PartitionID{Stage: stage, Partition: int(part)}, ms, data, nil
}

// reader reads the fields of a checkpoint, keeping the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("a length or number is cut off")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errors.New("a number is cut off")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) field() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > maxField || n > uint64(len(r.b)) {
		r.err = fmt.Errorf("a field of %d bytes with %d left", n, len(r.b))
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}

// Write stores partition id's state after batchMs under checkpointDir and
// returns its size; the file appears whole or not at all.
func Write(ctx context.Context, store dfs.Store, checkpointDir string, id PartitionID, batchMs int64, data map[string][]byte) (int, error) {
	raw := Encode(id, batchMs, data)
	p := CheckpointPath(checkpointDir, id, batchMs)
	if err := store.WriteFile(ctx, p, raw); err != nil {
		return 0, fmt.Errorf("statestore: write checkpoint %s: %w", p, err)
	}
	return len(raw), nil
}

// Read returns partition id's state after batchMs from its checkpoint.
func Read(ctx context.Context, store dfs.Store, checkpointDir string, id PartitionID, batchMs int64) (map[string][]byte, error) {
	p := CheckpointPath(checkpointDir, id, batchMs)
	raw, err := store.ReadFile(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("statestore: read checkpoint %s: %w", p, err)
	}
	data, err := Decode(raw, id, batchMs)
	if err != nil {
		return nil, fmt.Errorf("statestore: checkpoint %s: %w", p, err)
	}
	return data, nil
}

// Prune deletes partition id's checkpoints of batches before keepFrom.
func Prune(ctx context.Context, store dfs.Store, checkpointDir string, id PartitionID, keepFrom int64) error {
	dir := path.Dir(CheckpointPath(checkpointDir, id, 0))
	infos, err := store.List(ctx, dir)
	if err != nil {
		if errors.Is(err, dfs.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("statestore: list checkpoints %s: %w", dir, err)
	}
	var errs []error
	for _, fi := range infos {
		ms, err := strconv.ParseInt(fi.Name, 10, 64)
		if err != nil || fi.IsDir || ms >= keepFrom {
			continue
		}
		errs = append(errs, store.Delete(ctx, fi.Path))
	}
	return errors.Join(errs...)
}
