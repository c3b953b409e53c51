package testutil

import (
	"io"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/pki"
)

// HTTPGet GETs url with headers (name, value, …) and returns the body,
// failing the test unless the status is want. The address of a test
// cluster is reached as its default user (HTTPClient).
func HTTPGet(tb testing.TB, url string, want int, headers ...string) string {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := http.DefaultClient
	if m, ok := registered(req.URL.Host); ok {
		client = pki.HTTPClient(m, 30*time.Second)
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		tb.Fatalf("GET %s: %d, want %d: %.2000s", url, resp.StatusCode, want, raw)
	}
	return string(raw)
}

// processCPU is the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Latencies GETs url b.N times and reports the p50 and p99 of the time to
// the last byte, and the process's CPU time per request (server and
// client, when both are in the test process): on a shared machine that
// does not grow with others' load as wall time does.
func Latencies(b *testing.B, url string) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	cpu0 := processCPU()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("GET %s: %d, %d bytes", url, resp.StatusCode, n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
