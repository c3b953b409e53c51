package sdk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestLineWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string
	}{
		{"whole lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split across writes", []string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		{"newline written alone", []string{"line", "\n", "next", "\n"}, []string{"line", "next"}},
		{"empty lines kept", []string{"\n\nx\n"}, []string{"", "", "x"}},
		{"unterminated line flushed", []string{"a\npartial"}, []string{"a", "partial"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			w := newLineWriter(func(l []byte) { got = append(got, string(l)) })
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			w.Flush()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("lines = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLineWriterCutsOverlongLines(t *testing.T) {
	var lens []int
	w := newLineWriter(func(l []byte) { lens = append(lens, len(l)) })
	chunk := bytes.Repeat([]byte("x"), maxLine/2+1)
	for range 5 {
		w.Write(chunk)
	}
	w.Write([]byte("\n"))
	total := 0
	for _, n := range lens {
		if n > maxLine {
			t.Errorf("a piece of %d bytes exceeds maxLine %d", n, maxLine)
		}
		total += n
	}
	if total != 5*len(chunk) || len(lens) != 3 {
		t.Errorf("pieces %v: want 3 pieces of %d bytes in all", lens, 5*len(chunk))
	}
}

func TestLineSinkWritesWholeLines(t *testing.T) {
	var buf writeRecorder
	s := &lineSink{w: &buf}
	s.writeLine([]byte("one"))
	s.writeLine(nil)
	if want := []string{"one\n", "\n"}; !reflect.DeepEqual(buf.writes, want) {
		t.Errorf("writes = %q, want %q (one Write per line)", buf.writes, want)
	}
}

type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestIsSDKLine(t *testing.T) {
	for line, want := range map[string]bool{
		`{"@level":"info","@message":"plugin address","@module":"spindle-sdk","@timestamp":"x"}`: true,
		`{"@level":"info","@message":"m","@module":"spindle-sdk.stdio"}`:                         true,
		`{"level":"info","msg":"partition counted","@module":"spindle-sdk"}`:                     false,
		`{"@level":"info","@message":"m","@module":"other"}`:                                     false,
		`panic: boom`: false,
		``:            false,
	} {
		if got := isSDKLine([]byte(line)); got != want {
			t.Errorf("isSDKLine(%s) = %v, want %v", line, got, want)
		}
	}
}

func TestLogBridge(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	b := &logBridge{lg: zap.New(core), drop: "plugin.wordcount"}
	b.logLine([]byte(`{"@level":"error","@message":"plugin process exited","@module":"plugin","@timestamp":"t","error":"exit status 2","id":12}`))
	b.logLine([]byte(`{"@level":"debug","@message":"a job line logged again","@module":"plugin.wordcount"}`))
	b.logLine([]byte(`{"@level":"warn","@message":"no module"}`))
	b.logLine([]byte(`not json`))

	got := logs.All()
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3 (the re-logged plugin line dropped): %+v", len(got), got)
	}
	e := got[0]
	fields := e.ContextMap()
	if e.Level != zapcore.ErrorLevel || e.Message != "go-plugin" || fields["message"] != "plugin process exited" ||
		fields["module"] != "plugin" || fields["error"] != "exit status 2" || fields["id"] != json.Number("12") && fields["id"] != float64(12) {
		t.Errorf("entry = %v %q %v", e.Level, e.Message, fields)
	}
	if _, has := fields["@timestamp"]; has {
		t.Error("hclog's @ fields were passed on")
	}
	if got[1].Level != zapcore.WarnLevel {
		t.Errorf("warn line logged at %v", got[1].Level)
	}
	if got[2].Level != zapcore.DebugLevel || !strings.Contains(got[2].ContextMap()["line"].(string), "not json") {
		t.Errorf("text line = %v %v", got[2].Level, got[2].ContextMap())
	}
}
