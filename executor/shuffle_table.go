package executor

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/shuffle"
)

// tableLinesPerCall is how many of a table's lines go to the job at once.
const tableLinesPerCall = 4096

// TableCache keeps the rows of JoinTable stages' tables, each reduce
// partition's own keys, and reads a table again when its size or
// modification time changes.
type TableCache struct {
	mu      sync.Mutex
	entries map[tableKey]*tableRows
}

// NewTableCache returns an empty cache.
func NewTableCache() *TableCache { return &TableCache{entries: map[tableKey]*tableRows{}} }

type tableKey struct {
	uri                   string
	partition, partitions int
}

type tableRows struct {
	size int64
	mod  time.Time
	rows map[string][]byte
}

// Rows returns the rows of the table at uri whose keys fall in
// partition, of partitions, parsing its lines with the job's stage.
func (c *TableCache) Rows(ctx context.Context, job *sdk.JobClient, stage int, uri string, partition, partitions int) (map[string][]byte, error) {
	store, p, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", uri, err)
	}
	defer store.Close()
	fi, err := store.Stat(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", uri, err)
	}
	key := tableKey{uri, partition, partitions}
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil && e.size == fi.Size && e.mod.Equal(fi.ModTime) {
		return e.rows, nil
	}
	raw, err := store.ReadFile(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", uri, err)
	}
	rows := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 16<<20)
	var lines [][]byte
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		res, err := job.ReduceKeys(ctx, sdk.ReduceKeysCall{Stage: stage, Partition: partition, Partitions: partitions, TableLines: lines})
		if err != nil {
			return err
		}
		for _, kv := range res.TableRows {
			if shuffle.Partition(kv.Key, partitions) == partition {
				rows[kv.Key] = kv.Value
			}
		}
		lines = lines[:0]
		return nil
	}
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
		if len(lines) == tableLinesPerCall {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("table %s: %w", uri, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries[key] = &tableRows{size: fi.Size, mod: fi.ModTime, rows: rows}
	c.mu.Unlock()
	return rows, nil
}
