package shuffle

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Limits an index must keep to, so that a damaged header cannot make a
// reader allocate without bound.
const (
	MaxStages     = 1024
	MaxPartitions = 1 << 20
)

// indexMagic starts every index file; indexVersion is its format.
const (
	indexMagic   = "SPSI"
	indexVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32Update(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// Checksum is the CRC-32C the index keeps of each block.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Index locates the blocks of one map output's data file: the reduce
// partitions of each keyed stage, stage after stage.
type Index struct {
	// Partitions holds each stage's number of reduce partitions.
	Partitions []int32
	// Offsets has one entry per block and one more: block i is bytes
	// [Offsets[i], Offsets[i+1]) of the data file.
	Offsets []int64
	// Checksums holds each block's CRC-32C.
	Checksums []uint32
}

// Blocks is the number of blocks: every stage's partitions.
func (ix Index) Blocks() int { return len(ix.Checksums) }

// BlockIndex is the position of (stage, partition) among the blocks.
func (ix Index) BlockIndex(stage, partition int) (int, error) {
	if stage < 0 || stage >= len(ix.Partitions) {
		return 0, fmt.Errorf("%w: stage %d, but the map output has %d stages", ErrNotFound, stage, len(ix.Partitions))
	}
	if partition < 0 || partition >= int(ix.Partitions[stage]) {
		return 0, fmt.Errorf("%w: partition %d of stage %d, which has %d", ErrNotFound, partition, stage, ix.Partitions[stage])
	}
	i := partition
	for s := range stage {
		i += int(ix.Partitions[s])
	}
	return i, nil
}

// Block returns where (stage, partition)'s block lies and its checksum.
func (ix Index) Block(stage, partition int) (offset, size int64, crc uint32, err error) {
	i, err := ix.BlockIndex(stage, partition)
	if err != nil {
		return 0, 0, 0, err
	}
	return ix.Offsets[i], ix.Offsets[i+1] - ix.Offsets[i], ix.Checksums[i], nil
}

// DataSize is the length of the data file the index describes.
func (ix Index) DataSize() int64 { return ix.Offsets[len(ix.Offsets)-1] }

// Encode returns the index file: the magic, the version, the stages'
// partition counts, the offsets, the checksums, and a CRC-32C of all that.
func (ix Index) Encode() []byte {
	b := make([]byte, 0, 4+1+2+4*len(ix.Partitions)+8*len(ix.Offsets)+4*len(ix.Checksums)+4)
	b = append(b, indexMagic...)
	b = append(b, indexVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(ix.Partitions)))
	for _, n := range ix.Partitions {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	for _, o := range ix.Offsets {
		b = binary.BigEndian.AppendUint64(b, uint64(o))
	}
	for _, c := range ix.Checksums {
		b = binary.BigEndian.AppendUint32(b, c)
	}
	return binary.BigEndian.AppendUint32(b, Checksum(b))
}

// DecodeIndex reads an index file, checking its checksum and that its
// offsets start at 0 and never go back. Errors wrap ErrCorrupt.
func DecodeIndex(b []byte) (Index, error) {
	bad := func(format string, a ...any) (Index, error) {
		return Index{}, fmt.Errorf("%w: index: "+format, append([]any{ErrCorrupt}, a...)...)
	}
	const header = 4 + 1 + 2
	if len(b) < header+8+4 || string(b[:4]) != indexMagic {
		return bad("%d bytes without the %q header", len(b), indexMagic)
	}
	if b[4] != indexVersion {
		return bad("format %d; this build reads format %d", b[4], indexVersion)
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if got := Checksum(body); got != sum {
		return bad("checksum %08x, computed %08x", sum, got)
	}
	stages := int(binary.BigEndian.Uint16(b[5:7]))
	if stages > MaxStages {
		return bad("%d stages, more than %d", stages, MaxStages)
	}
	rest := body[header:]
	if len(rest) < 4*stages {
		return bad("too short for %d stages", stages)
	}
	ix := Index{Partitions: make([]int32, stages)}
	blocks := 0
	for s := range stages {
		n := binary.BigEndian.Uint32(rest[4*s:])
		if n == 0 || n > MaxPartitions || blocks+int(n) > MaxPartitions {
			return bad("stage %d has %d partitions; want 1 to %d in all", s, n, MaxPartitions)
		}
		ix.Partitions[s] = int32(n)
		blocks += int(n)
	}
	rest = rest[4*stages:]
	if len(rest) != 8*(blocks+1)+4*blocks {
		return bad("%d bytes of offsets and checksums for %d blocks", len(rest), blocks)
	}
	ix.Offsets = make([]int64, blocks+1)
	for i := range ix.Offsets {
		o := binary.BigEndian.Uint64(rest[8*i:])
		if o > 1<<62 || (i == 0 && o != 0) || (i > 0 && int64(o) < ix.Offsets[i-1]) {
			return bad("offset %d of block %d does not follow %v", o, i, ix.Offsets[max(i-1, 0)])
		}
		ix.Offsets[i] = int64(o)
	}
	rest = rest[8*(blocks+1):]
	ix.Checksums = make([]uint32, blocks)
	for i := range ix.Checksums {
		ix.Checksums[i] = binary.BigEndian.Uint32(rest[4*i:])
	}
	return ix, nil
}
