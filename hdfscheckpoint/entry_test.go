package hdfscheckpoint

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

func sampleRecords() []record {
	return []record{
		{Kind: kindOffsets, BatchTimeMs: 1_700_000_000_000, Ranges: []rangeRecord{
			{Topic: "clicks", Partition: 0, From: 100, Until: 250},
			{Topic: "clicks", Partition: 1, From: 0, Until: 0},
			{Topic: "views", Partition: 0, From: 9_000_000_000_000, Until: 9_000_000_000_001},
		}, Meta: map[string]string{"build": "2024-01-01", "ünïcode": "ok"}},
		{Kind: kindOffsets, BatchTimeMs: 0},
		{Kind: kindCommit, BatchTimeMs: 1_700_000_001_000, Outputs: map[string]int64{"sessions": 42, "errors": 0}},
		{Kind: kindCommit, BatchTimeMs: 5},
		{Kind: kindState, BatchTimeMs: 1_700_000_001_000, Name: "3", Data: []byte{0, 1, 2, '\n', 0xff}},
		{Kind: kindState, BatchTimeMs: 1_700_000_001_000, Name: AllPartitionsState},
		sampleBlocksRecord(),
		{Kind: kindBlocks, BatchTimeMs: 9},
	}
}

func mustEncode(t testing.TB, r record) []byte {
	t.Helper()
	b, err := encodeEntry(r)
	if err != nil {
		t.Fatalf("encodeEntry(%+v): %v", r, err)
	}
	return b
}

func TestEntryRoundTrip(t *testing.T) {
	for _, r := range sampleRecords() {
		t.Run(fmt.Sprintf("%s-%d-%s", r.Kind, r.BatchTimeMs, r.Name), func(t *testing.T) {
			b := mustEncode(t, r)
			if !bytes.HasPrefix(b, []byte("v1\n")) || !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 3 {
				t.Fatalf("encoding is not three lines starting with v1: %q", b)
			}
			got, err := decodeEntry(b)
			if err != nil {
				t.Fatalf("decodeEntry: %v", err)
			}
			if !reflect.DeepEqual(got, r) {
				t.Fatalf("round trip = %+v, want %+v", got, r)
			}
		})
	}
}

// The on-disk form is fixed: this exact file must keep decoding.
func TestEntryGolden(t *testing.T) {
	body := `{"kind":"offsets","batchTimeMs":1700000000000,"ranges":[{"topic":"clicks","partition":2,"from":10,"until":20}],"meta":{"k":"v"}}`
	head := "v1\n" + body + "\n"
	golden := fmt.Sprintf("%scrc32c %08x\n", head, crc32.Checksum([]byte(head), crc32.MakeTable(crc32.Castagnoli)))
	want := record{Kind: kindOffsets, BatchTimeMs: 1_700_000_000_000,
		Ranges: []rangeRecord{{Topic: "clicks", Partition: 2, From: 10, Until: 20}}, Meta: map[string]string{"k": "v"}}
	got, err := decodeEntry([]byte(golden))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeEntry(golden) = %+v, %v", got, err)
	}
	if enc := mustEncode(t, want); string(enc) != golden {
		t.Fatalf("encodeEntry = %q, want %q", enc, golden)
	}
}

// withCRC frames body as a v<version> entry with a correct checksum.
func withCRC(version, body string) []byte {
	head := version + "\n" + body + "\n"
	return fmt.Appendf([]byte(head), "crc32c %08x\n", crc32.Checksum([]byte(head), crc32.MakeTable(crc32.Castagnoli)))
}

func TestDecodeEntryRejects(t *testing.T) {
	valid := mustEncode(t, sampleRecords()[0])
	flipped := bytes.Clone(valid)
	flipped[20] ^= 0x04
	cases := []struct {
		name     string
		data     []byte
		target   error
		fragment string
	}{
		{"empty", nil, ErrCorruptEntry, "empty"},
		{"header only, cut", []byte("v"), ErrCorruptEntry, "truncated"},
		{"header only", []byte("v1\n"), ErrCorruptEntry, "truncated"},
		{"cut before checksum", valid[:bytes.LastIndexByte(valid[:len(valid)-1], '\n')+1], ErrCorruptEntry, "checksum line"},
		{"cut in checksum", valid[:len(valid)-4], ErrCorruptEntry, "truncated"},
		{"cut in body", valid[:40], ErrCorruptEntry, "truncated"},
		{"last newline missing", valid[:len(valid)-1], ErrCorruptEntry, "truncated"},
		{"bit flip", flipped, ErrCorruptEntry, "checksum mismatch"},
		{"garbage", []byte("\x00\x01PK\x03\x04 not a checkpoint\n"), ErrCorruptEntry, "bad version line"},
		{"version zero", withCRC("v0", `{"kind":"commit","batchTimeMs":1}`), ErrCorruptEntry, "bad version line"},
		{"newer version", withCRC("v2", `{"kind":"commit","batchTimeMs":1}`), ErrNewerFormat, "written by format v2, this build reads up to v1"},
		{"much newer version, other layout", []byte("v17\nsomething else entirely"), ErrNewerFormat, "written by format v17, this build reads up to v1"},
		{"uppercase checksum", bytes.Replace(valid, []byte("crc32c "), []byte("CRC32C "), 1), ErrCorruptEntry, "bad checksum line"},
		{"two body lines", withCRC("v1", "{\"kind\":\"commit\",\n\"batchTimeMs\":1}"), ErrCorruptEntry, "more than one body line"},
		{"not JSON", withCRC("v1", "hello"), ErrCorruptEntry, "body"},
		{"trailing JSON", withCRC("v1", `{"kind":"commit","batchTimeMs":1}{}`), ErrCorruptEntry, "body"},
		{"unknown kind", withCRC("v1", `{"kind":"snapshot","batchTimeMs":1}`), ErrCorruptEntry, `unknown entry kind "snapshot"`},
		{"negative batch", withCRC("v1", `{"kind":"commit","batchTimeMs":-1}`), ErrCorruptEntry, "before 1970"},
		{"bad range", withCRC("v1", `{"kind":"offsets","batchTimeMs":1,"ranges":[{"topic":"t","partition":0,"from":5,"until":4}]}`), ErrCorruptEntry, "bad range"},
		{"duplicate partition", withCRC("v1", `{"kind":"offsets","batchTimeMs":1,"ranges":[{"topic":"t","partition":0,"from":0,"until":4},{"topic":"t","partition":0,"from":4,"until":5}]}`), ErrCorruptEntry, "more than one range"},
		{"negative output", withCRC("v1", `{"kind":"commit","batchTimeMs":1,"outputs":{"s":-3}}`), ErrCorruptEntry, "negative record count"},
		{"mixed kinds", withCRC("v1", `{"kind":"commit","batchTimeMs":1,"ranges":[{"topic":"t","partition":0,"from":0,"until":4}]}`), ErrCorruptEntry, "offsets or state fields"},
		{"state without name", withCRC("v1", `{"kind":"state","batchTimeMs":1,"data":"AA=="}`), ErrCorruptEntry, "empty state name"},
		{"state name with slash", withCRC("v1", `{"kind":"state","batchTimeMs":1,"name":"../x"}`), ErrCorruptEntry, "starts with '.'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeEntry(tc.data)
			if !errors.Is(err, tc.target) {
				t.Fatalf("decodeEntry = %v, want %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.fragment) {
				t.Fatalf("error %q does not mention %q", err, tc.fragment)
			}
		})
	}
}

func TestDecodeEntryIgnoresUnknownFields(t *testing.T) {
	got, err := decodeEntry(withCRC("v1", `{"kind":"commit","batchTimeMs":7,"outputs":{"s":1},"addedLater":{"x":[1,2]}}`))
	want := record{Kind: kindCommit, BatchTimeMs: 7, Outputs: map[string]int64{"s": 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeEntry = %+v, %v; want %+v", got, err, want)
	}
}

// FuzzDecodeEntry checks that no input makes decoding panic, that every
// rejection says why through a package error, and that whatever decodes
// encodes back to an entry that decodes to the same record, byte for byte
// stable. Each input is tried both as a whole file and as the body of a
// correctly checksummed v1 file, so that the fuzzer reaches the JSON checks.
func FuzzDecodeEntry(f *testing.F) {
	for _, r := range sampleRecords() {
		b := mustEncode(f, r)
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(bytes.SplitN(b, []byte("\n"), 3)[1]) // the body alone
	}
	f.Add([]byte("v2\n{}\ncrc32c 00000000\n"))
	f.Add([]byte("garbage"))
	f.Add([]byte(`{"kind":"offsets","batchTimeMs":1,"ranges":[{"topic":"t","partition":1,"from":0,"until":1}],"meta":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(in []byte) {
			r, err := decodeEntry(in)
			if err != nil {
				if !errors.Is(err, ErrCorruptEntry) && !errors.Is(err, ErrNewerFormat) {
					t.Fatalf("decodeEntry error %v wraps neither ErrCorruptEntry nor ErrNewerFormat", err)
				}
				if len(err.Error()) <= len(ErrCorruptEntry.Error())+2 {
					t.Fatalf("decodeEntry error %q does not say what is wrong", err)
				}
				return
			}
			enc, err := encodeEntry(r)
			if err != nil {
				t.Fatalf("encodeEntry of a decoded record %+v: %v", r, err)
			}
			r2, err := decodeEntry(enc)
			if err != nil {
				t.Fatalf("decodeEntry of a fresh encoding %q: %v", enc, err)
			}
			if !reflect.DeepEqual(r, r2) {
				t.Fatalf("round trip changed the record: %+v became %+v", r, r2)
			}
			if enc2, _ := encodeEntry(r2); !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding is not stable: %q then %q", enc, enc2)
			}
		}
		check(data)
		if !bytes.ContainsRune(data, '\n') {
			check(withCRC("v1", string(data)))
		}
	})
}
