package sdk

import (
	"bytes"
	"io"
	"sync"
)

// maxLine is the longest line kept whole; a longer one is passed on in
// pieces so that a job writing without newlines cannot exhaust memory.
const maxLine = 1 << 20

// lineWriter cuts what is written to it into lines and passes each,
// without its newline, to sink. The plugin's streams reach the host in
// arbitrary pieces; lines are what the app log and the log bridge need.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	sink func(line []byte)
}

func newLineWriter(sink func(line []byte)) *lineWriter {
	return &lineWriter{sink: sink}
}

// Write passes on every complete line in p and keeps the rest.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			for len(w.buf) >= maxLine {
				w.sink(w.buf[:maxLine])
				w.buf = append(w.buf[:0], w.buf[maxLine:]...)
			}
			break
		}
		if len(w.buf) > 0 {
			w.buf = append(w.buf, p[:i]...)
			w.sink(w.buf)
			w.buf = w.buf[:0]
		} else {
			w.sink(p[:i])
		}
		p = p[i+1:]
	}
	return n, nil
}

// Flush passes on a last line that has no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.sink(w.buf)
		w.buf = w.buf[:0]
	}
}

// lineSink writes whole lines to one writer from several streams without
// interleaving them.
type lineSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// writeLine writes line and a newline in one Write.
func (s *lineSink) writeLine(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(append(s.buf[:0], line...), '\n')
	// A failing app log must not stop the job; there is nowhere better
	// to report it than the log that is failing.
	_, _ = s.w.Write(s.buf)
}
