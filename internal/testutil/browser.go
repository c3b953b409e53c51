package testutil

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ScreenshotsEnv names a directory: when set, browser tests save a
// screenshot of each page they check there (docs/ keeps them).
const ScreenshotsEnv = "SPINDLE_UI_SCREENSHOTS"

// Browser is a headless Chromium driven over the DevTools protocol.
type Browser struct {
	tb  testing.TB
	Ctx context.Context
}

// NewBrowser starts headless Chromium (Debian's chromium) with a fresh
// profile and no network of its own; it stops when the test ends. A
// machine without Chromium fails the test, saying how to install it.
func NewBrowser(tb testing.TB) *Browser {
	tb.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		tb.Fatal("browser tests need Chromium: apt-get install -y chromium (.ci/run installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.NoSandbox, // as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first Run starts the browser; it lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		tb.Fatalf("start Chromium %s: %v", path, err)
	}
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return &Browser{tb: tb, Ctx: ctx}
}

// Open navigates to url and waits for the page to load.
func (b *Browser) Open(url string) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		b.tb.Fatalf("browser: open %s: %v", url, err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](b *Browser, expr string) T {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.tb.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// Text is the trimmed text of the first element matching the CSS
// selector, "" when none does.
func (b *Browser) Text(css string) string {
	b.tb.Helper()
	return Eval[string](b, `(function(){const e=document.querySelector(`+strconv.Quote(css)+`);return e?e.textContent.trim():""})()`)
}

// Count is how many elements match the CSS selector.
func (b *Browser) Count(css string) int {
	b.tb.Helper()
	return Eval[int](b, `document.querySelectorAll(`+strconv.Quote(css)+`).length`)
}

// Attr is an attribute of the first element matching the CSS selector.
func (b *Browser) Attr(css, name string) string {
	b.tb.Helper()
	return Eval[string](b, `(function(){const e=document.querySelector(`+strconv.Quote(css)+`);return e?(e.getAttribute(`+strconv.Quote(name)+`)||""):""})()`)
}

// URL is the page's address.
func (b *Browser) URL() string {
	b.tb.Helper()
	return Eval[string](b, `location.href`)
}

// Screenshot saves the current page as name.png in the ScreenshotsEnv
// directory, when that is set.
func (b *Browser) Screenshot(name string) {
	b.tb.Helper()
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.tb.Fatalf("browser: screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.tb.Fatal(err)
	}
}
