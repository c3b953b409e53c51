package testutil

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes content to dir/name, creating dir, and fails tb if it
// cannot.
func WriteFile(tb testing.TB, dir, name, content string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// ClosedAddr returns a loopback host:port that was free a moment ago and
// that nothing listens on: a dial to it is refused.
func ClosedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
