package hdfscheckpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"
	"unicode/utf8"

	"github.com/spindlehq/spindle/ids"
)

// FormatVersion is the newest checkpoint entry format this build writes and
// reads.
const FormatVersion = 1

// An entry file is three lines:
//
//	v1
//	{"kind":"offsets","batchTimeMs":1700000000000,"ranges":[...]}
//	crc32c 1a2b3c4d
//
// The version line comes first so that a newer format is recognised before
// anything else is parsed. The checksum (CRC-32C, Castagnoli) covers the
// first two lines including their newlines, so truncation anywhere, a flipped
// bit or a torn write fails it. The body is compact JSON, which has no raw
// newlines. Readers ignore JSON fields they do not know, so a v1 writer may
// add optional fields.
const (
	entryVersionPrefix = "v"
	entryCRCPrefix     = "crc32c "
)

// Entry kinds, the "kind" field of the body.
const (
	kindOffsets = "offsets"
	kindCommit  = "commit"
	kindState   = "state"
	kindBlocks  = "blocks"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record is the body of a v1 entry. The JSON names are the on-disk format;
// they do not follow the Go names so that renaming Go fields cannot change
// it.
type record struct {
	Kind        string            `json:"kind"`
	BatchTimeMs int64             `json:"batchTimeMs"`
	Ranges      []rangeRecord     `json:"ranges,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"`
	Outputs     map[string]int64  `json:"outputs,omitempty"`
	Name        string            `json:"name,omitempty"`
	Data        []byte            `json:"data,omitempty"`
	blocksFields
	// Epoch is the attempt that wrote the entry through its fence.
	Epoch string `json:"epoch,omitempty"`
}

// rangeRecord is one OffsetRange in an offsets entry.
type rangeRecord struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	From      int64  `json:"from"`
	Until     int64  `json:"until"`
}

// encodeEntry returns the file content for r, which must be valid.
func encodeEntry(r record) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", r.Kind, err)
	}
	var b bytes.Buffer
	b.Grow(len(body) + 32)
	b.WriteString(entryVersionPrefix)
	b.WriteString(strconv.Itoa(FormatVersion))
	b.WriteByte('\n')
	b.Write(body)
	b.WriteByte('\n')
	sum := crc32.Checksum(b.Bytes(), castagnoli)
	fmt.Fprintf(&b, "%s%08x\n", entryCRCPrefix, sum)
	return b.Bytes(), nil
}

// decodeEntry parses and checks an entry file. Errors wrap ErrNewerFormat
// for a version this build cannot read and ErrCorruptEntry for anything
// else wrong.
func decodeEntry(data []byte) (record, error) {
	if len(data) == 0 {
		return record{}, fmt.Errorf("%w: empty file", ErrCorruptEntry)
	}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return record{}, fmt.Errorf("%w: truncated: no complete version line", ErrCorruptEntry)
	}
	v, err := parseVersionLine(data[:nl])
	if err != nil {
		return record{}, err
	}
	if v > FormatVersion {
		return record{}, fmt.Errorf("%w: written by format v%d, this build reads up to v%d", ErrNewerFormat, v, FormatVersion)
	}
	if data[len(data)-1] != '\n' {
		return record{}, fmt.Errorf("%w: truncated: the last line is incomplete", ErrCorruptEntry)
	}
	last := bytes.LastIndexByte(data[:len(data)-1], '\n')
	if last <= nl {
		return record{}, fmt.Errorf("%w: truncated: no body or no checksum line", ErrCorruptEntry)
	}
	want, err := parseCRCLine(data[last+1 : len(data)-1])
	if err != nil {
		return record{}, err
	}
	if got := crc32.Checksum(data[:last+1], castagnoli); got != want {
		return record{}, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x)", ErrCorruptEntry, want, got)
	}
	body := data[nl+1 : last]
	if bytes.IndexByte(body, '\n') >= 0 {
		return record{}, fmt.Errorf("%w: more than one body line", ErrCorruptEntry)
	}
	var r record
	if err := json.Unmarshal(body, &r); err != nil {
		return record{}, fmt.Errorf("%w: body: %v", ErrCorruptEntry, err)
	}
	r.normalize()
	if err := r.validate(); err != nil {
		return record{}, fmt.Errorf("%w: %v", ErrCorruptEntry, err)
	}
	return r, nil
}

// parseVersionLine reads "v<N>" with N a positive decimal without leading
// zeros.
func parseVersionLine(line []byte) (int, error) {
	digits, ok := bytes.CutPrefix(line, []byte(entryVersionPrefix))
	if !ok || len(digits) == 0 || len(digits) > 9 || digits[0] == '0' {
		return 0, fmt.Errorf("%w: bad version line %s", ErrCorruptEntry, quotePrefix(line))
	}
	v := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: bad version line %s", ErrCorruptEntry, quotePrefix(line))
		}
		v = v*10 + int(c-'0')
	}
	return v, nil
}

// parseCRCLine reads "crc32c <8 lowercase hex digits>".
func parseCRCLine(line []byte) (uint32, error) {
	hex, ok := bytes.CutPrefix(line, []byte(entryCRCPrefix))
	if !ok || len(hex) != 8 {
		return 0, fmt.Errorf("%w: truncated or damaged: bad checksum line %s", ErrCorruptEntry, quotePrefix(line))
	}
	var sum uint32
	for _, c := range hex {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, fmt.Errorf("%w: truncated or damaged: bad checksum line %s", ErrCorruptEntry, quotePrefix(line))
		}
		sum = sum<<4 | uint32(d)
	}
	return sum, nil
}

// quotePrefix quotes at most the first 32 bytes of b for an error message,
// so that garbage does not flood the log.
func quotePrefix(b []byte) string {
	const max = 32
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// normalize makes empty collections nil, as encoding omits them, so that a
// decoded record equals one decoded again after re-encoding.
func (r *record) normalize() {
	if len(r.Ranges) == 0 {
		r.Ranges = nil
	}
	if len(r.Meta) == 0 {
		r.Meta = nil
	}
	if len(r.Outputs) == 0 {
		r.Outputs = nil
	}
	if len(r.Data) == 0 {
		r.Data = nil
	}
	r.normalizeBlocks()
}

// validate checks the fields of r's kind and that the other kinds' fields
// are absent.
func (r *record) validate() error {
	if r.BatchTimeMs < 0 {
		return fmt.Errorf("batch time %d ms is before 1970", r.BatchTimeMs)
	}
	if r.Kind != kindBlocks && r.hasBlocksFields() {
		return fmt.Errorf("%s entry for batch %d has received-block fields", r.Kind, r.BatchTimeMs)
	}
	if r.Epoch != "" {
		if _, err := ids.ParseAttemptID(r.Epoch); err != nil {
			return fmt.Errorf("entry for batch %d: epoch: %v", r.BatchTimeMs, err)
		}
	}
	switch r.Kind {
	case kindBlocks:
		return r.validateBlocks()
	case kindOffsets:
		if len(r.Outputs) > 0 || r.Name != "" || len(r.Data) > 0 {
			return fmt.Errorf("offsets entry for batch %d has commit or state fields", r.BatchTimeMs)
		}
		for k, v := range r.Meta {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return fmt.Errorf("offsets entry for batch %d: meta %q=%q is not UTF-8", r.BatchTimeMs, k, v)
			}
		}
		return validateRanges(r.BatchTimeMs, r.Ranges)
	case kindCommit:
		if len(r.Ranges) > 0 || len(r.Meta) > 0 || r.Name != "" || len(r.Data) > 0 {
			return fmt.Errorf("commit entry for batch %d has offsets or state fields", r.BatchTimeMs)
		}
		for sink, n := range r.Outputs {
			if sink == "" || !utf8.ValidString(sink) {
				return fmt.Errorf("commit entry for batch %d: sink name %q is empty or not UTF-8", r.BatchTimeMs, sink)
			}
			if n < 0 {
				return fmt.Errorf("commit entry for batch %d: sink %q has a negative record count %d", r.BatchTimeMs, sink, n)
			}
		}
		return nil
	case kindState:
		if len(r.Ranges) > 0 || len(r.Meta) > 0 || len(r.Outputs) > 0 {
			return fmt.Errorf("state entry for batch %d has offsets or commit fields", r.BatchTimeMs)
		}
		return validateStateName(r.Name)
	default:
		return fmt.Errorf("unknown entry kind %q", r.Kind)
	}
}

func validateRanges(batchMs int64, ranges []rangeRecord) error {
	type tp struct {
		topic     string
		partition int32
	}
	seen := make(map[tp]struct{}, len(ranges))
	for _, rr := range ranges {
		switch {
		case rr.Topic == "":
			return fmt.Errorf("batch %d: offset range with no topic", batchMs)
		case !utf8.ValidString(rr.Topic):
			return fmt.Errorf("batch %d: topic %q is not UTF-8", batchMs, rr.Topic)
		case rr.Partition < 0:
			return fmt.Errorf("batch %d: topic %q has negative partition %d", batchMs, rr.Topic, rr.Partition)
		case rr.From < 0 || rr.Until < rr.From:
			return fmt.Errorf("batch %d: %s-%d has bad range [%d, %d)", batchMs, rr.Topic, rr.Partition, rr.From, rr.Until)
		}
		k := tp{rr.Topic, rr.Partition}
		if _, dup := seen[k]; dup {
			return fmt.Errorf("batch %d: %s-%d has more than one range", batchMs, rr.Topic, rr.Partition)
		}
		seen[k] = struct{}{}
	}
	return nil
}

// validateStateName checks a state snapshot name: it becomes a file name.
func validateStateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty state name")
	case name[0] == '.':
		// Leading dots are reserved: "." and "..", and the stores' temporary files.
		return fmt.Errorf("state name %q starts with '.'", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("state name %q is not UTF-8", name)
	case len(name) > 255:
		return fmt.Errorf("state name %s is longer than 255 bytes", quotePrefix([]byte(name)))
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '/' || c == '\\' || c < 0x20 || c == 0x7f {
			return fmt.Errorf("state name %q has a '/', '\\' or control character", name)
		}
	}
	return nil
}
