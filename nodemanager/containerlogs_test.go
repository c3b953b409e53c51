package nodemanager

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/logging"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	testApp       = "application_1700000000000_0007"
	testContainer = "container_1700000000000_0007_01_000002"
	refusedMsg    = "container log request refused"
)

func TestParseLogPath(t *testing.T) {
	cid, _ := ids.ParseContainerID(testContainer)
	tests := []struct {
		path      string
		wantApp   string
		wantFile  string
		wantError bool
	}{
		{path: testContainer},
		{path: testContainer + "/"},
		{path: testContainer + "/stdout", wantFile: "stdout"},
		{path: testContainer + "/stdout.1", wantFile: "stdout.1"},
		{path: testContainer + "/app%20log.txt", wantFile: "app log.txt"},
		{path: "container_1700000000000_7_1_2/stderr", wantFile: "stderr"},
		{path: testApp, wantApp: testApp},
		{path: testApp + "/", wantApp: testApp},
		{path: "", wantError: true},
		{path: testApp + "/stdout", wantError: true},
		{path: "..", wantError: true},
		{path: "%2e%2e/%2e%2e/etc/passwd", wantError: true},
		{path: "container_1_2_3", wantError: true},
		{path: testContainer + "/..", wantError: true},
		{path: testContainer + "/.", wantError: true},
		{path: testContainer + "/../../etc/passwd", wantError: true},
		{path: testContainer + "/%2e%2e", wantError: true},
		{path: testContainer + "/%2E%2E%2Fetc%2Fpasswd", wantError: true},
		{path: testContainer + "/..%2fetc%2fpasswd", wantError: true},
		{path: testContainer + "/%252e%252e%252fetc%252fpasswd", wantError: true},
		{path: testContainer + "//etc/passwd", wantError: true},
		{path: testContainer + "/%2fetc%2fpasswd", wantError: true},
		{path: testContainer + `/..\..\etc\passwd`, wantError: true},
		{path: testContainer + "/..%5c..%5cetc%5cpasswd", wantError: true},
		{path: testContainer + "/stdout%00.txt", wantError: true},
		{path: testContainer + "/%c0%ae%c0%ae", wantError: true},
		{path: testContainer + "/std%zzout", wantError: true},
		{path: testContainer + "/" + strings.Repeat("a", 256), wantError: true},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			req, err := parseLogPath(tc.path)
			if tc.wantError {
				if !errors.Is(err, errLogRequest) {
					t.Fatalf("parseLogPath(%q) = %+v, %v; want an errLogRequest", tc.path, req, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseLogPath(%q): %v", tc.path, err)
			}
			if tc.wantApp != "" {
				if req.app == nil || req.app.String() != tc.wantApp {
					t.Fatalf("app = %v, want %s", req.app, tc.wantApp)
				}
				return
			}
			if req.app != nil || req.container != cid || req.file != tc.wantFile {
				t.Fatalf("got app %v container %v file %q; want container %v file %q", req.app, req.container, req.file, cid, tc.wantFile)
			}
		})
	}
}

func TestLogRange(t *testing.T) {
	tests := []struct {
		start, end string
		size       int64
		from, to   int64
		wantErr    bool
	}{
		{size: 100, from: 0, to: 100},
		{start: "-4096", size: 100, from: 0, to: 100},
		{start: "-20", size: 100, from: 80, to: 100},
		{start: "10", size: 100, from: 10, to: 100},
		{start: "10", end: "20", size: 100, from: 10, to: 20},
		{end: "20", size: 100, from: 0, to: 20},
		{end: "-10", size: 100, from: 0, to: 90},
		{start: "-30", end: "-10", size: 100, from: 70, to: 90},
		{start: "200", size: 100, from: 100, to: 100},
		{end: "200", size: 100, from: 0, to: 100},
		{start: "-9223372036854775808", end: "-9223372036854775808", size: 100, from: 0, to: 0},
		{size: 0, from: 0, to: 0},
		{start: "50", end: "10", size: 100, wantErr: true},
		{start: "abc", size: 100, wantErr: true},
		{end: "1e3", size: 100, wantErr: true},
		{start: "99999999999999999999", size: 100, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%s_%d", tc.start, tc.end, tc.size), func(t *testing.T) {
			from, to, err := logRange(tc.start, tc.end, tc.size)
			if tc.wantErr {
				if !errors.Is(err, errLogRange) {
					t.Fatalf("logRange = %d, %d, %v; want an errLogRange", from, to, err)
				}
				return
			}
			if err != nil || from != tc.from || to != tc.to {
				t.Fatalf("logRange = %d, %d, %v; want %d, %d", from, to, err, tc.from, tc.to)
			}
		})
	}
}

// logTestNM is a NodeManager reduced to what the log endpoints use, served
// over real HTTP.
type logTestNM struct {
	nm     *NodeManager
	logs   *observer.ObservedLogs
	root   string
	dir    string // testContainer's log dir
	server *httptest.Server
}

func newLogTestNM(t *testing.T) *logTestNM {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	root := t.TempDir()
	l := &logTestNM{
		nm:   &NodeManager{cfg: Config{LogDirs: []string{root}}, lg: zap.New(core), nodeID: "127.0.0.1:4545"},
		logs: logs,
		root: root,
		dir:  filepath.Join(root, testApp, testContainer),
	}
	if err := os.MkdirAll(l.dir, 0o750); err != nil {
		t.Fatal(err)
	}
	l.server = httptest.NewServer(l.nm.withContainerLogs(http.NotFoundHandler()))
	t.Cleanup(l.server.Close)
	return l
}

func (l *logTestNM) write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(l.dir, name), []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
}

// rawGet sends target as the request line's path byte for byte, so that
// no client-side cleaning or escaping alters the attempt.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %q: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestContainerLogListing(t *testing.T) {
	l := newLogTestNM(t)
	l.write(t, "stdout", "hello\n")
	l.write(t, "stdout.1", "older output\n")
	l.write(t, "stderr", "")
	if err := os.Symlink("stdout", filepath.Join(l.dir, "stdout-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(l.dir, "passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(l.dir, "subdir"), 0o750); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 3, 1, 12, 30, 0, 0, time.Local)
	if err := os.Chtimes(filepath.Join(l.dir, "stdout"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	want := []ContainerLogFileInfo{
		{FileName: "stderr", FileSize: "0"},
		{FileName: "stdout", FileSize: "6", LastModifiedTime: mtime.Format(LogTimeFormat)},
		{FileName: "stdout-link", FileSize: "6", LastModifiedTime: mtime.Format(LogTimeFormat)},
		{FileName: "stdout.1", FileSize: "13"},
	}
	for _, tc := range []struct {
		name   string
		query  string
		header []string
	}{
		{name: "format", query: "?format=json"},
		{name: "accept", header: []string{"Accept", "application/json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, l.server.URL+ContainerLogsPath+testContainer+tc.query, tc.header...)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var got ContainerLogsResponse
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			info := got.ContainerLogsInfo
			if info.ContainerID != testContainer || info.NodeID != "127.0.0.1:4545" || info.LogAggregationType != LogAggregationLocal {
				t.Errorf("header fields %+v", info)
			}
			if len(info.ContainerLogInfo) != len(want) {
				t.Fatalf("files %+v, want %+v", info.ContainerLogInfo, want)
			}
			for i, w := range want {
				g := info.ContainerLogInfo[i]
				if g.FileName != w.FileName || g.FileSize != w.FileSize || (w.LastModifiedTime != "" && g.LastModifiedTime != w.LastModifiedTime) {
					t.Errorf("file %d = %+v, want %+v", i, g, w)
				}
				if _, err := time.Parse(LogTimeFormat, g.LastModifiedTime); err != nil {
					t.Errorf("file %s time %q: %v", g.FileName, g.LastModifiedTime, err)
				}
			}
		})
	}
	t.Run("text", func(t *testing.T) {
		resp, body := get(t, l.server.URL+ContainerLogsPath+testContainer)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
		if len(lines) != len(want) {
			t.Fatalf("lines %q", lines)
		}
		for i, w := range want {
			if f := strings.Split(lines[i], "\t"); len(f) != 3 || f[0] != w.FileName || f[1] != w.FileSize {
				t.Errorf("line %q, want %s\t%s\t<time>", lines[i], w.FileName, w.FileSize)
			}
		}
	})
	t.Run("app", func(t *testing.T) {
		other := filepath.Join(l.root, testApp, "container_1700000000000_0007_02_000001")
		os.MkdirAll(other, 0o750)
		os.WriteFile(filepath.Join(l.root, testApp, "not-a-container"), nil, 0o640)
		resp, body := get(t, l.server.URL+ContainerLogsPath+testApp+"?format=json")
		var got AppContainersResponse
		if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d %v: %s", resp.StatusCode, err, body)
		}
		if got.App.ID != testApp || strings.Join(got.App.ContainerIDs, ",") != testContainer+",container_1700000000000_0007_02_000001" {
			t.Fatalf("got %+v", got)
		}
	})
	if n := l.logs.FilterMessage(refusedMsg).Len(); n != 0 {
		t.Errorf("listing logged %d refusals; a listing skips unsafe entries quietly", n)
	}
}

func TestContainerLogFileRanges(t *testing.T) {
	l := newLogTestNM(t)
	content := "0123456789abcdefghij"
	l.write(t, "stdout", content)
	tests := []struct {
		query string
		code  int
		body  string
	}{
		{query: "", code: 200, body: content},
		{query: "?start=-5", code: 200, body: "fghij"},
		{query: "?start=3&end=7", code: 200, body: "3456"},
		{query: "?start=-4096", code: 200, body: content},
		{query: "?end=-15", code: 200, body: "01234"},
		{query: "?start=15&end=5", code: 400},
		{query: "?start=x", code: 400},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := get(t, l.server.URL+ContainerLogsPath+testContainer+"/stdout"+tc.query)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, body)
			}
			if tc.code != 200 {
				return
			}
			if body != tc.body || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Fatalf("body %q type %q, want %q text/plain", body, resp.Header.Get("Content-Type"), tc.body)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if resp, _ := get(t, l.server.URL+ContainerLogsPath+testContainer+"/app.log"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d, want 404", resp.StatusCode)
		}
		if resp, _ := get(t, l.server.URL+ContainerLogsPath+"container_1700000000000_0007_01_000099/stdout"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown container: status %d, want 404", resp.StatusCode)
		}
	})
	t.Run("method", func(t *testing.T) {
		resp, err := http.Post(l.server.URL+ContainerLogsPath+testContainer+"/stdout", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST: status %d, want 405", resp.StatusCode)
		}
	})
	if n := l.logs.FilterMessage(refusedMsg).Len(); n != 0 {
		t.Errorf("ordinary requests logged %d refusals", n)
	}
}

func TestContainerLogTraversalRefused(t *testing.T) {
	l := newLogTestNM(t)
	l.write(t, "stdout", "inside\n")
	secret := filepath.Join(l.root, "secret")
	if err := os.WriteFile(secret, []byte("outside the log dir\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/etc/passwd", filepath.Join(l.dir, "passwd"))
	os.Symlink("../../secret", filepath.Join(l.dir, "relative-out"))
	os.Symlink("/nonexistent/file", filepath.Join(l.dir, "dangling"))
	if err := syscall.Mkfifo(filepath.Join(l.dir, "fifo"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A container that replaced its own log dir with a link out.
	linked := "container_1700000000000_0007_01_000003"
	if err := os.Symlink(l.root, filepath.Join(l.root, testApp, linked)); err != nil {
		t.Fatal(err)
	}
	base := ContainerLogsPath + testContainer + "/"
	tests := []struct {
		name, target string
	}{
		{"dotdot", base + "../../../../etc/passwd"},
		{"dotdot-only", base + ".."},
		{"dotdot-secret", base + "../../secret"},
		{"encoded-dots", base + "%2e%2e/%2e%2e/secret"},
		{"encoded-all", base + "%2e%2e%2f%2e%2e%2fsecret"},
		{"encoded-slash", base + "..%2f..%2fsecret"},
		{"upper-encoded", base + "%2E%2E%2F%2E%2E%2Fsecret"},
		{"double-encoded", base + "%252e%252e%252f%252e%252e%252fsecret"},
		{"double-encoded-slash", base + "..%252f..%252fsecret"},
		{"absolute", base + "/etc/passwd"},
		{"absolute-encoded", base + "%2fetc%2fpasswd"},
		{"backslash", base + `..\..\secret`},
		{"backslash-encoded", base + "..%5c..%5csecret"},
		{"nul", base + "stdout%00"},
		{"nul-dotdot", base + "%00../../secret"},
		{"overlong-utf8", base + "%c0%ae%c0%ae%c0%afsecret"},
		{"id-dotdot", ContainerLogsPath + "../../etc/passwd"},
		{"id-encoded", ContainerLogsPath + "%2e%2e%2f%2e%2e%2fsecret"},
		{"symlink-absolute", base + "passwd"},
		{"symlink-relative", base + "relative-out"},
		{"symlink-dangling", base + "dangling"},
		{"fifo", base + "fifo"},
		{"linked-log-dir", ContainerLogsPath + linked + "/secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := l.logs.FilterMessage(refusedMsg).Len()
			code, body := rawGet(t, l.server.Listener.Addr().String(), tc.target)
			if code != http.StatusBadRequest && code != http.StatusNotFound {
				t.Fatalf("GET %s: status %d, want 400 or 404: %s", tc.target, code, body)
			}
			if strings.Contains(body, "outside the log dir") || strings.Contains(body, "root:") {
				t.Fatalf("GET %s leaked a file outside the log dir: %s", tc.target, body)
			}
			refused := l.logs.FilterMessage(refusedMsg).All()
			if len(refused) != before+1 {
				t.Fatalf("GET %s: %d refusal warnings, want %d", tc.target, len(refused), before+1)
			}
			e := refused[len(refused)-1]
			fields := e.ContextMap()
			if e.Level != zapcore.WarnLevel || fields["remote"] == "" || fields["remote"] == nil {
				t.Fatalf("warning %v %v: want WARN with a remote address", e.Level, fields)
			}
			for _, k := range []string{"container", "file", "remote"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("warning lacks field %q: %v", k, fields)
				}
			}
		})
	}
	// The same dir still serves its own files.
	if code, body := rawGet(t, l.server.Listener.Addr().String(), base+"stdout"); code != 200 || body != "inside\n" {
		t.Fatalf("stdout after the attempts: %d %q", code, body)
	}
}

func TestOpenContainerOutputsRoll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), testApp, testContainer)
	nm := &NodeManager{cfg: Config{ContainerLogs: logging.RollingConfig{MaxSize: 1000, MaxBackups: 2}}}
	out, err := nm.openContainerOutputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("x", 599) + "\n")
	for i := 0; i < 10; i++ {
		if _, err := out.stdout.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := out.stderr.Write([]byte("oops\n")); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(out.stdout.Close(), out.stderr.Close()); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, name := range []string{"stdout", "stdout.1", "stdout.2", "stderr"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		total += info.Size()
	}
	if _, err := os.Stat(filepath.Join(dir, "stdout.3")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stdout.3 exists beyond MaxBackups=2: %v", err)
	}
	if total != 3*600+5 {
		t.Errorf("total %d bytes, want the last 3 chunks and stderr", total)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != logDirPerm&^currentUmask() {
		t.Errorf("log dir mode %v, want %v", info.Mode().Perm(), os.FileMode(logDirPerm))
	}
}

func currentUmask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

func TestConfigFromContainerLogs(t *testing.T) {
	tests := []struct {
		overrides []string
		want      logging.RollingConfig
		wantErr   string
	}{
		{want: logging.RollingConfig{MaxSize: 128 << 20, MaxBackups: 10, MaxAge: 168 * time.Hour}},
		{overrides: []string{"spindle.log.maxSize=1m", "spindle.log.maxBackups=3", "spindle.log.maxAge=1h"},
			want: logging.RollingConfig{MaxSize: 1 << 20, MaxBackups: 3, MaxAge: time.Hour}},
		{overrides: []string{"spindle.log.maxBackups=-1"}, wantErr: "spindle.log.maxBackups"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.overrides, ","), func(t *testing.T) {
			c, err := conf.Load(conf.LoadOptions{Overrides: append([]string{"spindle.tmp.dir=" + t.TempDir(), "spindle.tls.insecure-plaintext=true"}, tc.overrides...)})
			if err != nil {
				if tc.wantErr != "" && strings.Contains(err.Error(), tc.wantErr) {
					return
				}
				t.Fatal(err)
			}
			cfg, err := ConfigFrom(c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.ContainerLogs
			if got.MaxSize != tc.want.MaxSize || got.MaxBackups != tc.want.MaxBackups || got.MaxAge != tc.want.MaxAge {
				t.Fatalf("ContainerLogs %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzParseLogPath: whatever the path, parsing does not panic, and an
// accepted path yields a canonical id and a file that stays inside the
// container's log dir when joined to it.
func FuzzParseLogPath(f *testing.F) {
	for _, s := range []string{
		testContainer, testContainer + "/stdout", testApp, testContainer + "/..", testContainer + "/%2e%2e%2fx",
		testContainer + "/%252e", testContainer + `/a\b`, testContainer + "/a%00", "%2e%2e/x", testContainer + "/a/b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		req, err := parseLogPath(path)
		if err != nil {
			if !errors.Is(err, errLogRequest) || !strings.Contains(err.Error(), "nodemanager:") {
				t.Fatalf("error %v is not a descriptive errLogRequest", err)
			}
			return
		}
		if req.app != nil {
			if back, err := ids.ParseApplicationID(req.app.String()); err != nil || back != *req.app {
				t.Fatalf("app id %v does not round-trip: %v", req.app, err)
			}
			return
		}
		id := req.container.String()
		if back, err := ids.ParseContainerID(id); err != nil || back != req.container {
			t.Fatalf("container id %s does not round-trip: %v", id, err)
		}
		dir := filepath.Join("/logs", req.container.Attempt.App.String(), id)
		if req.file == "" {
			return
		}
		if p := filepath.Join(dir, req.file); filepath.Dir(p) != dir {
			t.Fatalf("file %q leaves %s: %s", req.file, dir, p)
		}
		if checkLogFileName(req.file) != nil || strings.ContainsAny(req.file, "/\\%\x00") {
			t.Fatalf("accepted file %q is not a plain name", req.file)
		}
	})
}

// FuzzLogRange: any start and end give either an errLogRange or a range
// within the file.
func FuzzLogRange(f *testing.F) {
	f.Add("-4096", "", int64(100))
	f.Add("10", "-10", int64(5))
	f.Add("", "", int64(0))
	f.Add("-9223372036854775808", "9223372036854775807", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, start, end string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		from, to, err := logRange(start, end, size)
		if err != nil {
			if !errors.Is(err, errLogRange) {
				t.Fatalf("error %v is not an errLogRange", err)
			}
			return
		}
		if from < 0 || from > to || to > size {
			t.Fatalf("logRange(%q, %q, %d) = [%d, %d), outside the file", start, end, size, from, to)
		}
	})
}
