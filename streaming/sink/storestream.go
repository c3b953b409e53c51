package sink

import (
	"context"
	"io"
)

// storeStream is one file written to a store as a stream: what write
// gives goes through a pipe to the store's atomic WriteFrom, so that the
// file is renamed into place by commit and never appears half written.
type storeStream struct {
	path   string
	pw     *io.PipeWriter
	done   chan error
	cancel context.CancelFunc
}

// openStream starts writing p on the sink's store.
func (s FileSink) openStream(ctx context.Context, p string) *storeStream {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	st := &storeStream{path: p, pw: pw, done: make(chan error, 1), cancel: cancel}
	go func() {
		_, err := s.writeFrom(ctx, p, pr)
		// Unblock a write that the store stopped reading.
		pr.CloseWithError(err)
		st.done <- err
	}()
	return st
}

// write hands b to the store; b may be reused once it returns.
func (st *storeStream) write(b []byte) error {
	_, err := st.pw.Write(b)
	return err
}

// commit ends the stream and waits until the file is in place.
func (st *storeStream) commit() error {
	st.pw.Close()
	err := <-st.done
	st.cancel()
	return err
}

// abort ends the stream with an error, so that the store drops its
// temporary file, and waits for it.
func (st *storeStream) abort() {
	st.pw.CloseWithError(errAborted)
	<-st.done
	st.cancel()
}
