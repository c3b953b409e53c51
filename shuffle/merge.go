package shuffle

import (
	"bytes"
	"container/heap"
	"io"
)

// Source is a sorted stream of records: a block of a map output, or of a
// sorted run.
type Source interface {
	Next() (Record, error)
}

// Merger merges sorted sources into one stream sorted by key; records of
// equal keys come in source order, then in their order within a source,
// so that a merge of the same blocks gives the same sequence every time.
type Merger struct {
	h   mergeHeap
	err error
}

type mergeItem struct {
	rec Record
	src int
}

type mergeHeap struct {
	items   []mergeItem
	sources []Source
}

func (h mergeHeap) Len() int { return len(h.items) }
func (h mergeHeap) Less(i, j int) bool {
	if c := bytes.Compare(h.items[i].rec.Key, h.items[j].rec.Key); c != 0 {
		return c < 0
	}
	return h.items[i].src < h.items[j].src
}
func (h mergeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)   { h.items = append(h.items, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}

// NewMerger merges sources, whose order breaks ties between equal keys.
func NewMerger(sources []Source) *Merger {
	m := &Merger{h: mergeHeap{sources: sources}}
	for i, s := range sources {
		rec, err := s.Next()
		if err == io.EOF {
			continue
		}
		if err != nil {
			m.err = err
			return m
		}
		m.h.items = append(m.h.items, mergeItem{rec: rec, src: i})
	}
	heap.Init(&m.h)
	return m
}

// Next returns the next record with the index of its source, io.EOF after
// the last, or the first error a source gave.
func (m *Merger) Next() (Record, int, error) {
	if m.err != nil {
		return Record{}, 0, m.err
	}
	if len(m.h.items) == 0 {
		return Record{}, 0, io.EOF
	}
	top := m.h.items[0]
	rec, err := m.h.sources[top.src].Next()
	switch {
	case err == io.EOF:
		heap.Pop(&m.h)
	case err != nil:
		m.err = err
		return Record{}, 0, err
	default:
		m.h.items[0] = mergeItem{rec: rec, src: top.src}
		heap.Fix(&m.h, 0)
	}
	return top.rec, top.src, nil
}

// Group is one key's records of a merged stream, in merge order.
type Group struct {
	Key     string
	Records []Record
}

// Grouper turns a merged stream into one Group per key.
type Grouper struct {
	m       *Merger
	pending *Record
	done    bool
}

// NewGrouper groups the records m merges.
func NewGrouper(m *Merger) *Grouper { return &Grouper{m: m} }

// Next returns the next key's group, io.EOF after the last.
func (g *Grouper) Next() (Group, error) {
	if g.done {
		return Group{}, io.EOF
	}
	var grp Group
	if g.pending != nil {
		grp = Group{Key: string(g.pending.Key), Records: []Record{*g.pending}}
		g.pending = nil
	}
	for {
		rec, _, err := g.m.Next()
		if err == io.EOF {
			g.done = true
			if grp.Records == nil {
				return Group{}, io.EOF
			}
			return grp, nil
		}
		if err != nil {
			return Group{}, err
		}
		if grp.Records == nil {
			grp = Group{Key: string(rec.Key), Records: []Record{rec}}
			continue
		}
		if string(rec.Key) != grp.Key {
			g.pending = &rec
			return grp, nil
		}
		grp.Records = append(grp.Records, rec)
	}
}

// BytesSource reads the records of a block held in memory.
func BytesSource(block []byte, what string) Source {
	return NewRecordReader(newBufReader(bytes.NewReader(block), len(block)), int64(len(block)), what)
}
