package testutil

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBrowser drives Chromium against a local page: the harness the web
// UI's tests stand on.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><body><p id="x" data-v="7"> hello </p><i>1</i><i>2</i></body></html>`))
	}))
	defer srv.Close()
	b := NewBrowser(t)
	b.Open(srv.URL)
	if got := b.Text("#x"); got != "hello" {
		t.Errorf("text %q", got)
	}
	if got := b.Count("i"); got != 2 {
		t.Errorf("count %d", got)
	}
	if got := b.Attr("#x", "data-v"); got != "7" {
		t.Errorf("attr %q", got)
	}
}
