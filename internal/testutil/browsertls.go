package testutil

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/spindlehq/spindle/pki"
)

// NewBrowserAs is NewBrowser for a user whose client certificate is m, as
// a browser with that certificate installed: Chromium hands each https://
// request to the test process, which makes it with m's certificate and
// gives Chromium the answer as it came (status, headers and body, a
// redirect included). Pages, scripts and links run in Chromium as ever;
// only the TLS handshake is the test's, since headless Chromium cannot be
// given a client certificate without a system-wide policy.
func NewBrowserAs(tb testing.TB, m *pki.Material) *Browser {
	tb.Helper()
	b := NewBrowser(tb)
	client := pki.HTTPClient(m, 30*time.Second)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	paused := chromedp.Events(b.Ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(b.Ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://*"}}}); err != nil {
		tb.Fatalf("browser: intercept https requests: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			go fulfill(b.Ctx, client, ev)
		}
	}()
	return b
}

// fulfill makes Chromium's request ev with client and hands Chromium the
// answer; a request that cannot be made fails in Chromium as a refused
// connection would.
func fulfill(ctx context.Context, client *http.Client, ev fetch.EventRequestPaused) {
	resp, err := forward(ctx, client, ev.Request)
	if err != nil {
		chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionRefused})
		return
	}
	var headers []*fetch.HeaderEntry
	for name, values := range resp.header {
		for _, v := range values {
			headers = append(headers, &fetch.HeaderEntry{Name: name, Value: v})
		}
	}
	chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: int64(resp.status), ResponseHeaders: headers, Body: resp.body})
}

type forwarded struct {
	status int
	header http.Header
	body   []byte
}

// forward makes Chromium's request r. The pages only read (the RM's web
// UI changes nothing), so a request carries no body.
func forward(ctx context.Context, client *http.Client, r *network.Request) (forwarded, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, nil)
	if err != nil {
		return forwarded{}, err
	}
	for name, v := range r.Headers {
		// Go's client asks for gzip itself and hands back the body
		// decoded, as Chromium is given it.
		if s, ok := v.(string); ok && !strings.EqualFold(name, "Accept-Encoding") {
			req.Header.Set(name, s)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return forwarded{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return forwarded{}, err
	}
	return forwarded{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}
