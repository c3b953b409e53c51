package shuffle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ReadIndexFile reads and checks a map output's index file. A missing
// file wraps ErrNotFound, a damaged one ErrCorrupt.
func ReadIndexFile(path string) (Index, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Index{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if err != nil {
		return Index{}, fmt.Errorf("shuffle: %w", err)
	}
	ix, err := DecodeIndex(raw)
	if err != nil {
		return Index{}, fmt.Errorf("%s: %w", path, err)
	}
	return ix, nil
}

// ReadBlock returns (stage, partition)'s block of the map output whose
// files are data and index, checked against the index's checksum.
func ReadBlock(data, index string, stage, partition int) ([]byte, error) {
	ix, err := ReadIndexFile(index)
	if err != nil {
		return nil, err
	}
	off, size, crc, err := ix.Block(stage, partition)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", index, err)
	}
	f, err := os.Open(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, data)
	}
	if err != nil {
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := f.ReadAt(b, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s is shorter than its index says", ErrCorrupt, data)
		}
		return nil, fmt.Errorf("shuffle: %w", err)
	}
	if got := Checksum(b); got != crc {
		return nil, fmt.Errorf("%w: block %d/%d of %s has checksum %08x, its index says %08x", ErrCorrupt, stage, partition, data, got, crc)
	}
	return b, nil
}
