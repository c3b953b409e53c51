package ha

import (
	"bytes"
	"io"
	"testing"

	"github.com/hashicorp/raft"
)

func entry(t *testing.T, c Command) *raft.Log {
	t.Helper()
	raw, err := encode(c)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Type: raft.LogCommand, Data: raw}
}

func TestFSMAppliesAndSnapshots(t *testing.T) {
	f := NewFSM()
	f.Apply(entry(t, Command{Op: OpPut, Table: TableApps, Key: "a1", Value: []byte("one")}))
	f.Apply(entry(t, Command{Op: OpPut, Table: TableApps, Key: "a2", Value: []byte("two")}))
	f.Apply(entry(t, Command{Op: OpDelete, Table: TableApps, Key: "a1"}))
	if got := f.Apply(entry(t, Command{Op: OpPutIfAbsent, Table: TableSecrets, Key: SecretKeys, Value: []byte("first")})); !bytes.Equal(got.([]byte), []byte("first")) {
		t.Fatalf("first put-if-absent answered %q", got)
	}
	if got := f.Apply(entry(t, Command{Op: OpPutIfAbsent, Table: TableSecrets, Key: SecretKeys, Value: []byte("second")})); !bytes.Equal(got.([]byte), []byte("first")) {
		t.Fatalf("second put-if-absent answered %q, want the value that stands", got)
	}
	if _, ok := f.Get(TableApps, "a1"); ok {
		t.Fatal("a1 still there after delete")
	}
	if got := f.Apply(&raft.Log{Type: raft.LogCommand, Data: []byte(`{"op":"drop","table":"apps","key":"a2"}`)}); got == nil {
		t.Fatal("unknown op applied without an error")
	}

	snap, _ := f.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&sink{Buffer: &buf}); err != nil {
		t.Fatal(err)
	}
	g := NewFSM()
	if err := g.Restore(io.NopCloser(&buf)); err != nil {
		t.Fatal(err)
	}
	if v, _ := g.Get(TableApps, "a2"); string(v) != "two" {
		t.Fatalf("restored a2 = %q", v)
	}
	if v, _ := g.Get(TableSecrets, SecretKeys); string(v) != "first" {
		t.Fatalf("restored secret = %q", v)
	}
	if len(g.List(TableApps)) != 1 {
		t.Fatalf("restored apps: %v", g.List(TableApps))
	}
}

type sink struct{ *bytes.Buffer }

func (s *sink) ID() string    { return "test" }
func (s *sink) Cancel() error { return nil }
func (s *sink) Close() error  { return nil }

func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte(`{"op":"put","table":"apps","key":"application_1_0001","value":"e30="}`))
	f.Add([]byte(`{"op":"delete","table":"","key":""}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := DecodeCommand(raw)
		if err != nil {
			return
		}
		NewFSM().apply(c) // a command that decodes applies without a panic
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte(`{"version":1,"tables":{"apps":{"a":"eA=="}}}`))
	f.Add([]byte(`{"version":1,"tables":{"apps":null}}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tables, err := DecodeSnapshot(bytes.NewReader(raw))
		if err != nil {
			return
		}
		for name, tb := range tables {
			if tb == nil {
				t.Fatalf("table %q decoded as nil", name)
			}
		}
	})
}
