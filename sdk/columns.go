package sdk

import (
	"fmt"
)

// A partition's records and outputs travel column by column (jobpb.Records
// and jobpb.Outputs): each variable-length field of every record is
// concatenated into one bytes field with a column of lengths, so that a
// whole partition costs a few large copies instead of a message, and its
// allocations, per record. The helpers below build and split such
// columns.

// nullableColumn concatenates n byte fields, field(i) being the i-th, into
// lengths (length+1, 0 for a nil field) and data, which comes from pool
// when pool is not nil. Both are nil when every field is nil, which the
// wire keeps as empty columns.
func nullableColumn(n int, field func(i int) []byte, pool *bufferPool) (lengths []uint64, data []byte) {
	size, present := 0, false
	for i := range n {
		if b := field(i); b != nil {
			size += len(b)
			present = true
		}
	}
	if !present {
		return nil, nil
	}
	lengths = make([]uint64, n)
	if pool != nil {
		data = (*pool.Get(size))[:0]
	} else {
		data = make([]byte, 0, size)
	}
	for i := range n {
		if b := field(i); b != nil {
			lengths[i] = uint64(len(b)) + 1
			data = append(data, b...)
		}
	}
	return lengths, data
}

// splitNullable undoes nullableColumn: it calls set(i, field) for each of
// the n fields that is not nil. Each field is a slice of data whose
// capacity ends where the field does, so that appending to one cannot
// overwrite the next. name names the column in errors.
func splitNullable(name string, n int, lengths []uint64, data []byte, set func(i int, b []byte)) error {
	if len(lengths) == 0 {
		if len(data) != 0 {
			return fmt.Errorf("%w: column %s has %d bytes but no lengths", ErrProtocol, name, len(data))
		}
		return nil
	}
	if len(lengths) != n {
		return fmt.Errorf("%w: column %s has %d lengths for %d fields", ErrProtocol, name, len(lengths), n)
	}
	off := 0
	for i, l := range lengths {
		if l == 0 {
			continue
		}
		l--
		if l > uint64(len(data)-off) {
			return fmt.Errorf("%w: column %s: field %d of %d bytes runs past the column's %d bytes", ErrProtocol, name, i, l, len(data))
		}
		end := off + int(l)
		b := data[off:end:end]
		if b == nil {
			// Present but empty, in a column with no bytes at all.
			b = []byte{}
		}
		set(i, b)
		off = end
	}
	if off != len(data) {
		return fmt.Errorf("%w: column %s has %d bytes beyond its fields", ErrProtocol, name, len(data)-off)
	}
	return nil
}

// stringColumn concatenates n strings, field(i) being the i-th, into
// lengths and data.
func stringColumn(n int, field func(i int) string) (lengths []uint64, data []byte) {
	size := 0
	for i := range n {
		size += len(field(i))
	}
	lengths = make([]uint64, n)
	data = make([]byte, 0, size)
	for i := range n {
		s := field(i)
		lengths[i] = uint64(len(s))
		data = append(data, s...)
	}
	return lengths, data
}

// splitStrings undoes stringColumn, calling set(i, s) for each of the n
// strings. The strings share one allocation.
func splitStrings(name string, n int, lengths []uint64, data []byte, set func(i int, s string)) error {
	if len(lengths) != n {
		return fmt.Errorf("%w: column %s has %d lengths for %d fields", ErrProtocol, name, len(lengths), n)
	}
	all := string(data)
	off := 0
	for i, l := range lengths {
		if l > uint64(len(all)-off) {
			return fmt.Errorf("%w: column %s: field %d of %d bytes runs past the column's %d bytes", ErrProtocol, name, i, l, len(all))
		}
		end := off + int(l)
		set(i, all[off:end])
		off = end
	}
	if off != len(all) {
		return fmt.Errorf("%w: column %s has %d bytes beyond its fields", ErrProtocol, name, len(all)-off)
	}
	return nil
}

// dictionary gives each distinct value of a column an index, in order of
// first appearance, for columns such as topics where a partition has
// one value or a few.
type dictionary[T comparable] struct {
	values  []T
	indexes []uint32
}

// newDictionary encodes n values, value(i) being the i-th. indexes is nil
// when every value is values[0], and values is empty too when every
// value is zero, so that the common case costs nothing on the wire.
func newDictionary[T comparable](n int, value func(i int) T) dictionary[T] {
	var zero T
	if n == 0 {
		return dictionary[T]{}
	}
	first := value(0)
	same := true
	for i := 1; i < n && same; i++ {
		same = value(i) == first
	}
	if same {
		if first == zero {
			return dictionary[T]{}
		}
		return dictionary[T]{values: []T{first}}
	}
	d := dictionary[T]{indexes: make([]uint32, n)}
	seen := make(map[T]uint32)
	for i := range n {
		v := value(i)
		idx, ok := seen[v]
		if !ok {
			idx = uint32(len(d.values))
			seen[v] = idx
			d.values = append(d.values, v)
		}
		d.indexes[i] = idx
	}
	return d
}

// lookup returns value i of n encoded as values and indexes, checking that
// they are consistent. name names the column in errors.
func lookup[T any](name string, n int, values []T, indexes []uint32) (func(i int) T, error) {
	var zero T
	switch {
	case len(indexes) == 0 && len(values) == 0:
		return func(int) T { return zero }, nil
	case len(indexes) == 0:
		return func(int) T { return values[0] }, nil
	case len(indexes) != n:
		return nil, fmt.Errorf("%w: column %s has %d indexes for %d fields", ErrProtocol, name, len(indexes), n)
	}
	for i, idx := range indexes {
		if int64(idx) >= int64(len(values)) {
			return nil, fmt.Errorf("%w: column %s: field %d has index %d, but there are %d values", ErrProtocol, name, i, idx, len(values))
		}
	}
	return func(i int) T { return values[indexes[i]] }, nil
}
