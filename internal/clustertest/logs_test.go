package clustertest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/nodemanager"
)

// logDir is a container's log dir on NM i of c.
func logDir(c *testutil.Cluster, i int, appID, containerID string) string {
	return filepath.Join(c.Dir, "nm"+strconv.Itoa(i), "nm-logs", appID, containerID)
}

// dirBytes sums the sizes of the files in dir; files that vanish while it
// looks (a roll renames and deletes) are skipped.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	return total
}

// launchOne allocates one small container to am and starts command in it.
func launchOne(t *testing.T, am *testutil.AM, command []string, env map[string]string) *pb.Container {
	t.Helper()
	got := am.AllocateUntil(testutil.Ask(1, 64, 0, 1), 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	am.Launch(got[0], command, env)
	return got[0]
}

// TestContainerStdoutRollsWithinBudget: a container writing 50 MB to
// stdout with spindle.log.maxSize=1m and spindle.log.maxBackups=3 never
// has more than about 4 MB in its log dir, sampled all the while it
// writes, and keeps the newest output in stdout, stdout.1 … stdout.3.
func TestContainerStdoutRollsWithinBudget(t *testing.T) {
	const (
		written = 50_000_000
		maxSize = 1 << 20
		budget  = 4*maxSize + 64<<10
	)
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{"spindle.log.maxSize=1m", "spindle.log.maxBackups=3"}})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	ct := launchOne(t, am, []string{"sh", "-c", "yes | head -c " + strconv.Itoa(written)}, nil)
	dir := logDir(c, 0, am.AppID, ct.GetId())

	var peak int64
	samplesWhileRunning := 0
	deadline := time.Now().Add(60 * time.Second)
	for {
		use := dirBytes(t, dir)
		peak = max(peak, use)
		if use > budget {
			t.Fatalf("log dir holds %d bytes, more than the %d budget", use, budget)
		}
		st := am.Status(ct)
		if st.GetState() == pb.ContainerState_CONTAINER_STATE_COMPLETE {
			if st.GetExitStatus() != 0 {
				t.Fatalf("writer exited %d: %s", st.GetExitStatus(), st.GetDiagnostics())
			}
			break
		}
		samplesWhileRunning++
		if time.Now().After(deadline) {
			t.Fatalf("writer still running after 60 s; peak %d bytes", peak)
		}
	}
	if samplesWhileRunning < 2 {
		t.Fatalf("only %d samples while the container wrote; the check saw too little", samplesWhileRunning)
	}
	for _, name := range []string{"stdout.1", "stdout.2", "stdout.3"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("rolled file: %v", err)
		}
		if info.Size() > maxSize || info.Size() < maxSize-64<<10 {
			t.Errorf("%s is %d bytes, want just under %d", name, info.Size(), maxSize)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "stdout.4")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stdout.4 kept beyond spindle.log.maxBackups=3: %v", err)
	}
	tail, err := os.ReadFile(filepath.Join(dir, "stdout"))
	if err != nil || len(tail) == 0 || strings.Trim(string(tail), "y\n") != "" {
		t.Fatalf("stdout holds %d bytes (%v), want the writer's last y lines", len(tail), err)
	}
	t.Logf("peak log dir size %d bytes over %d samples while writing %d bytes", peak, samplesWhileRunning, written)
}

// rawGet sends target as the request line's path byte for byte, so that
// no client cleaning or escaping alters the attempt.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, testutil.TLSConfig(t, addr))
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

// refusals returns the NM's log lines that record a refused log request.
func refusals(d *testutil.Daemon) []string {
	var out []string
	for _, line := range strings.Split(d.Tail(8<<20), "\n") {
		if strings.Contains(line, "container log request refused") {
			out = append(out, line)
		}
	}
	return out
}

// TestContainerLogEndpoints serves a running and a finished container's
// logs, refuses every way out of a log dir with 400 or 404 and a warning,
// and still serves a finished container's logs after its NM restarted and
// forgot it.
func TestContainerLogEndpoints(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	running := launchOne(t, am, []string{"sh", "-c", "echo hello-running; exec sleep 300"}, nil)
	finished := launchOne(t, am, []string{"sh", "-c", "echo hello-finished"}, nil)
	am.WaitCompleted(finished.GetId(), 20*time.Second)
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		out := c.ContainerStdout(0, am.AppID, running.GetId())
		return out == "hello-running\n", fmt.Sprintf("stdout %q", out)
	})
	dir := logDir(c, 0, am.AppID, running.GetId())
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")); err != nil {
		t.Fatal(err)
	}
	// dir is <cluster>/nm0/nm-logs/<app>/<container>: four levels up is the cluster's dir.
	if err := os.WriteFile(filepath.Join(c.Dir, "outside.txt"), []byte("root:outside the log dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../outside.txt", filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "up")); err != nil {
		t.Fatalf("the link out must resolve for the test to mean anything: %v", err)
	}
	var addrs testutil.NMAddresses
	c.NMs[0].Ready(&addrs)

	for _, tc := range []struct{ name, id, want string }{
		{"running", running.GetId(), "hello-running\n"},
		{"finished", finished.GetId(), "hello-finished\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawGet(t, addrs.Web, "/node/containerlogs/"+tc.id+"/stdout")
			if code != http.StatusOK || body != tc.want {
				t.Fatalf("stdout: %d %q, want 200 %q", code, body, tc.want)
			}
			code, body = rawGet(t, addrs.Web, "/node/containerlogs/"+tc.id+"?format=json")
			if code != http.StatusOK || !strings.Contains(body, `"fileName": "stdout"`) || !strings.Contains(body, `"fileSize": "`+strconv.Itoa(len(tc.want))+`"`) {
				t.Fatalf("listing: %d %s", code, body)
			}
		})
	}

	base := "/node/containerlogs/" + running.GetId() + "/"
	for _, tc := range []struct{ name, target string }{
		{"dotdot", base + "../../../../../../etc/passwd"},
		{"dotdot-only", base + ".."},
		{"encoded-dotdot", base + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"},
		{"encoded-slash", base + "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd"},
		{"all-encoded", base + "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd"},
		{"double-encoded", base + "%252e%252e%252f%252e%252e%252fetc%252fpasswd"},
		{"absolute", base + "/etc/passwd"},
		{"absolute-encoded", base + "%2fetc%2fpasswd"},
		{"backslash", base + `..\..\..\..\etc\passwd`},
		{"backslash-encoded", base + "..%5c..%5c..%5c..%5cetc%5cpasswd"},
		{"nul", base + "stdout%00"},
		{"nul-dotdot", base + "stdout%00/../../../../etc/passwd"},
		{"container-dotdot", "/node/containerlogs/../../../../etc/passwd"},
		{"container-encoded", "/node/containerlogs/%2e%2e%2f%2e%2e%2fetc/passwd"},
		{"symlink-outside", base + "passwd"},
		{"symlink-up", base + "up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(refusals(c.NMs[0]))
			code, body := rawGet(t, addrs.Web, tc.target)
			if code != http.StatusBadRequest && code != http.StatusNotFound {
				t.Fatalf("GET %s: %d, want 400 or 404: %s", tc.target, code, body)
			}
			if strings.Contains(body, "root:") {
				t.Fatalf("GET %s served /etc/passwd: %s", tc.target, body)
			}
			var lines []string
			testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
				lines = refusals(c.NMs[0])
				return len(lines) == before+1, fmt.Sprintf("%d refusal warnings, want %d", len(lines), before+1)
			})
			last := lines[len(lines)-1]
			for _, want := range []string{"\twarn\t", `"container"`, `"file"`, `"remote"`, "127.0.0.1:"} {
				if !strings.Contains(last, want) {
					t.Errorf("warning %q lacks %s", last, want)
				}
			}
		})
	}

	// A restarted NM tracks none of the containers, yet their logs remain.
	c.NMs[0].Stop()
	c.NMs[0].Restart()
	c.NMs[0].Ready(&addrs)
	code, body := rawGet(t, addrs.Web, "/node/containerlogs/"+finished.GetId()+"/stdout")
	if code != http.StatusOK || body != "hello-finished\n" {
		t.Fatalf("after restart: %d %q", code, body)
	}
	code, body = rawGet(t, addrs.Web, "/node/containerlogs/"+am.AppID+"?format=json")
	if code != http.StatusOK || !strings.Contains(body, running.GetId()) || !strings.Contains(body, finished.GetId()) {
		t.Fatalf("app listing after restart: %d %s", code, body)
	}
}

// logsOutput is `spindle logs` output parsed back: container → file.
type logsOutput map[string]*containerLogs

type containerLogs struct {
	node  string
	files map[string]loggedFile
}

type loggedFile struct {
	length   int64
	contents string
	// aggregation is the file's LogAggregationType: LOCAL or AGGREGATED.
	aggregation string
}

// parseLogsOutput parses `spindle logs` output strictly in YARN's layout
// and fails the test on any deviation.
func parseLogsOutput(t *testing.T, out string) logsOutput {
	t.Helper()
	lines := strings.Split(out, "\n")
	i := 0
	next := func(what string) string {
		t.Helper()
		if i >= len(lines) {
			t.Fatalf("output ends where %s was due:\n%s", what, out)
		}
		i++
		return lines[i-1]
	}
	expect := func(want string) {
		t.Helper()
		if got := next(want); got != want {
			t.Fatalf("line %d: %q, want %q\n%s", i, got, want, out)
		}
	}
	parsed := logsOutput{}
	for i < len(lines) && lines[i] != "" {
		header := next("a container header")
		id, node, ok := strings.Cut(strings.TrimPrefix(header, "Container: "), " on ")
		if !ok || !strings.HasPrefix(header, "Container: ") {
			t.Fatalf("line %d: %q is not a container header\n%s", i, header, out)
		}
		expect(strings.Repeat("=", len(header)))
		cl := &containerLogs{node: node, files: map[string]loggedFile{}}
		parsed[id] = cl
		for i < len(lines) && strings.HasPrefix(lines[i], "LogAggregationType:") {
			aggregation := strings.TrimPrefix(next("LogAggregationType"), "LogAggregationType: ")
			if aggregation != "LOCAL" && aggregation != "AGGREGATED" {
				t.Fatalf("line %d: LogAggregationType %q, want LOCAL or AGGREGATED\n%s", i, aggregation, out)
			}
			expect(strings.Repeat("=", len(header)))
			name, ok := strings.CutPrefix(next("LogType"), "LogType:")
			if !ok {
				t.Fatalf("line %d: want LogType:\n%s", i, out)
			}
			if !strings.HasPrefix(next("LogLastModifiedTime"), "LogLastModifiedTime:") {
				t.Fatalf("line %d: want LogLastModifiedTime:\n%s", i, out)
			}
			lengthLine, _ := strings.CutPrefix(next("LogLength"), "LogLength:")
			length, err := strconv.ParseInt(lengthLine, 10, 64)
			if err != nil {
				t.Fatalf("line %d: LogLength %q: %v", i, lengthLine, err)
			}
			expect("LogContents:")
			var body []string
			end := "End of LogType:" + name
			for l := next(end); l != end; l = next(end) {
				body = append(body, l+"\n")
			}
			expect(strings.Repeat("*", len(end)+50))
			expect("")
			cl.files[name] = loggedFile{length: length, contents: strings.Join(body, ""), aggregation: aggregation}
		}
	}
	return parsed
}

// spindleLogs runs `spindle logs` against c and returns its stdout; it
// fails the test unless the command succeeds.
func spindleLogs(t *testing.T, c *testutil.Cluster, args ...string) string {
	t.Helper()
	cmd := exec.Command(testutil.SpindleBinary(t), append(append([]string{"logs"}, c.ConfArgs()...), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("spindle logs %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestLogsCommandRunningApp reads a running submitted job's logs with
// spindle logs: whole, only the AM container, only stdout, and the last
// 20 bytes.
func TestLogsCommandRunningApp(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	t.Cleanup(func() { os.WriteFile(stop, nil, 0o644) })
	waitExecutors(t, c, appID, 1, 30*time.Second)
	attempts := c.Attempts(appID)
	if len(attempts) != 1 || attempts[0].GetAmContainerId() == "" {
		t.Fatalf("attempts %v, want one with an AM container", attempts)
	}
	amID := attempts[0].GetAmContainerId()
	driverLine := "testjob driver: attempt " + attempts[0].GetAttemptId() + ", role driver\n"

	nodeOf := map[string]string{}
	for i, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			nodeOf[ct.ID] = c.NodeID(i)
		}
	}
	amNM := -1
	for i := range c.NMs {
		if c.NodeID(i) == nodeOf[amID] {
			amNM = i
		}
	}
	testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
		out := c.ContainerStdout(amNM, appID, amID)
		return out == driverLine, fmt.Sprintf("AM stdout %q, want %q", out, driverLine)
	})

	t.Run("all", func(t *testing.T) {
		got := parseLogsOutput(t, spindleLogs(t, c, "-applicationId", appID))
		if len(got) != len(nodeOf) {
			t.Fatalf("output has %d containers, want the %d running: %v", len(got), len(nodeOf), nodeOf)
		}
		for id, cl := range got {
			if cl.node != nodeOf[id] {
				t.Errorf("container %s shown on %q, runs on %q", id, cl.node, nodeOf[id])
			}
			if _, ok := cl.files["stdout"]; !ok {
				t.Errorf("container %s: no stdout in %v", id, cl.files)
			}
			for name, f := range cl.files {
				if n := int64(len(f.contents)); n != f.length && !(n == f.length+1 && strings.HasSuffix(f.contents, "\n")) {
					t.Errorf("container %s %s: %d bytes shown, LogLength %d", id, name, n, f.length)
				}
				if f.aggregation != "LOCAL" {
					t.Errorf("container %s %s of a running app: LogAggregationType %s, want LOCAL", id, name, f.aggregation)
				}
				if id != amID && strings.Contains(f.contents, "testjob driver") {
					t.Errorf("container %s %s shows the driver's output", id, name)
				}
			}
		}
		if got[amID] == nil || got[amID].files["stdout"].contents != driverLine {
			t.Fatalf("AM container %s stdout: %+v, want %q", amID, got[amID], driverLine)
		}
	})
	t.Run("am", func(t *testing.T) {
		got := parseLogsOutput(t, spindleLogs(t, c, "-applicationId", appID, "-am", "1"))
		if len(got) != 1 || got[amID] == nil || got[amID].files["stdout"].contents != driverLine {
			t.Fatalf("-am 1 printed %v, want only %s with the driver's line", keys(got), amID)
		}
	})
	t.Run("log_files", func(t *testing.T) {
		got := parseLogsOutput(t, spindleLogs(t, c, "-applicationId", appID, "-log_files", "stdout"))
		if len(got) != len(nodeOf) {
			t.Fatalf("printed %v, want every container", keys(got))
		}
		for id, cl := range got {
			if len(cl.files) != 1 {
				t.Errorf("container %s: files %v, want stdout only", id, cl.files)
			}
			if _, ok := cl.files["stdout"]; !ok {
				t.Errorf("container %s: no stdout", id)
			}
		}
	})
	t.Run("size", func(t *testing.T) {
		got := parseLogsOutput(t, spindleLogs(t, c, "-applicationId", appID, "-am", "1", "-log_files", "stdout", "-size", "-20"))
		f := got[amID].files["stdout"]
		if want := driverLine[len(driverLine)-20:]; f.contents != want || f.length != int64(len(driverLine)) {
			t.Fatalf("-size -20: %q (LogLength %d), want %q (LogLength %d)", f.contents, f.length, want, len(driverLine))
		}
	})
}

func keys(o logsOutput) []string {
	var out []string
	for k := range o {
		out = append(out, k)
	}
	return out
}

// cliProcess is a spindle command running in the background.
type cliProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (p *cliProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *cliProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func startSpindleLogs(t *testing.T, c *testutil.Cluster, args ...string) *cliProcess {
	t.Helper()
	p := &cliProcess{done: make(chan struct{})}
	p.cmd = exec.Command(testutil.SpindleBinary(t), append(append([]string{"logs"}, c.ConfArgs()...), args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *cliProcess) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("spindle logs still running after %v:\n%s", timeout, p.output())
		return nil
	}
}

// TestLogsFollow: -follow prints what a container writes later, then ends
// with the container; interrupted, it ends at once and succeeds.
func TestLogsFollow(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	ct := launchOne(t, am, []string{"sh", "-c", `echo first-line; while [ ! -e "$STOP_FILE" ]; do sleep 0.05; done; echo second-line; echo to-stderr >&2`},
		map[string]string{"STOP_FILE": stop})
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		out := c.ContainerStdout(0, am.AppID, ct.GetId())
		return out == "first-line\n", fmt.Sprintf("stdout %q", out)
	})
	snapshot := func(p *cliProcess) func() (bool, string) {
		return func() (bool, string) {
			out := p.output()
			return strings.Contains(out, "End of LogType:stdout"), "no first listing yet:\n" + out
		}
	}

	interrupted := startSpindleLogs(t, c, "-applicationId", am.AppID, "-follow")
	testutil.WaitFor(t, 20*time.Second, snapshot(interrupted))
	if err := interrupted.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := interrupted.wait(t, 10*time.Second); err != nil {
		t.Fatalf("interrupted -follow: %v\n%s", err, interrupted.output())
	}

	followed := startSpindleLogs(t, c, "-applicationId", am.AppID, "-follow")
	testutil.WaitFor(t, 20*time.Second, snapshot(followed))
	if strings.Contains(followed.output(), "second-line") {
		t.Fatalf("second line shown before it was written:\n%s", followed.output())
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := followed.wait(t, 20*time.Second); err != nil {
		t.Fatalf("-follow: %v\n%s", err, followed.output())
	}
	out := followed.output()
	node := c.NodeID(0)
	for _, want := range []string{
		"==> Container: " + ct.GetId() + " on " + node + ": stdout <==\nsecond-line\n",
		"==> Container: " + ct.GetId() + " on " + node + ": stderr <==\nto-stderr\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "first-line"), strings.Index(out, "second-line"); i < 0 || j < i {
		t.Errorf("first-line at %d, second-line at %d:\n%s", i, j, out)
	}
}

// containerFile reads file from a container's log dir on NM i ("" if absent).
func containerFile(c *testutil.Cluster, i int, appID, containerID, file string) string {
	raw, _ := os.ReadFile(filepath.Join(logDir(c, i, appID, containerID), file))
	return string(raw)
}

// produceUntil produces a record to each of topic's partitions about every
// second until cond holds, so that every executor gets tasks however the
// records fall into batches.
func produceUntil(t *testing.T, b *kafkatest.Broker, topic string, partitions int32, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	var last time.Time
	n := 0
	testutil.WaitFor(t, timeout, func() (bool, string) {
		if ok, why := cond(); ok || time.Since(last) < time.Second {
			return ok, why
		}
		for p := int32(0); p < partitions; p++ {
			b.Produce(t, topic, p, 5, func(i int) ([]byte, []byte) { return nil, []byte(fmt.Sprintf("w%d x%d", i, n)) })
		}
		last, n = time.Now(), n+1
		return false, "records produced, waiting"
	})
}

// spreadTasks turns delay scheduling off, so that every executor (of one
// core) runs tasks: tasks that finish within spark.locality.wait would
// otherwise all stay on the executor that ran them first.
var spreadTasks = []string{"--conf", "spark.locality.wait=0"}

const (
	// jobLine is what examples/wordcount logs through the sdk logger per partition.
	jobLine = "partition counted"
	// frameworkLine is what an executor logs through its own logger.
	frameworkLine = "connected to driver"
)

// TestContainerLogFilesAndLevels: in each executor of a Spindle job, the
// job's lines go to app.log and the framework's to spindle.log, never the
// other way; spindle.log.level and spindle.log.app.level set the two
// apart, given with --conf or in a spindle-log.properties shipped with
// --files, where --conf wins.
func TestContainerLogFilesAndLevels(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"default": 4, "conf": 4, "file": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMVCores: 8})
	props := filepath.Join(testutil.SharedDir(t), "spindle-log.properties")
	if err := os.WriteFile(props, []byte("# shipped like log4j.properties\nlevel=warn\napp.level=ERROR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wordcount := testutil.Binary(t, "./examples/wordcount", "wordcount")
	type job struct {
		topic, dir, appID string
		execs             map[string]int // executor container → NM index
	}
	jobs := []*job{{topic: "default"}, {topic: "conf"}, {topic: "file"}}
	extra := map[string][]string{
		"conf": {"--conf", "spindle.log.level=debug", "--conf", "spindle.log.app.level=WARN"},
		"file": {"--files", props, "--conf", "spindle.log.app.level=INFO"},
	}
	for _, j := range jobs {
		j.dir = testutil.SharedDir(t)
		j.appID = streamingJob(c, b, j.topic, j.dir, append(extra[j.topic], spreadTasks...), wordcount).AppID()
	}
	for _, j := range jobs {
		j.execs = waitExecutors(t, c, j.appID, 2, 60*time.Second)
	}
	// everyExecutor holds when want(app.log, spindle.log) holds for every executor of j.
	everyExecutor := func(j *job, want func(app, framework string) (bool, string)) func() (bool, string) {
		return func() (bool, string) {
			for id, nm := range j.execs {
				ok, why := want(containerFile(c, nm, j.appID, id, "app.log"), containerFile(c, nm, j.appID, id, "spindle.log"))
				if !ok {
					return false, fmt.Sprintf("executor %s of %s: %s", id, j.topic, why)
				}
			}
			return true, ""
		}
	}
	jobRan := func(j *job) func(app, framework string) (bool, string) {
		return func(app, _ string) (bool, string) {
			return strings.Contains(app, jobLine), fmt.Sprintf("app.log lacks %q:\n%s", jobLine, app)
		}
	}

	t.Run("app.log and spindle.log apart", func(t *testing.T) {
		j := jobs[0]
		produceUntil(t, b, j.topic, 4, 60*time.Second, everyExecutor(j, jobRan(j)))
		ok, why := everyExecutor(j, func(app, framework string) (bool, string) {
			switch {
			case !strings.Contains(framework, frameworkLine):
				return false, fmt.Sprintf("spindle.log lacks %q:\n%s", frameworkLine, framework)
			case strings.Contains(framework, jobLine):
				return false, fmt.Sprintf("spindle.log holds the job's %q:\n%s", jobLine, framework)
			case strings.Contains(app, frameworkLine):
				return false, fmt.Sprintf("app.log holds the framework's %q:\n%s", frameworkLine, app)
			}
			return true, ""
		})()
		if !ok {
			t.Fatal(why)
		}
	})

	t.Run("framework debug, job WARN by --conf", func(t *testing.T) {
		j := jobs[1]
		// Every executor connects to the driver (and logs it at debug)
		// only once its plugin has started, which can come after the
		// first outputs of the others: wait for both.
		debugLogged := everyExecutor(j, func(_, framework string) (bool, string) {
			if !strings.Contains(framework, "\tdebug\t") || !strings.Contains(framework, frameworkLine) {
				return false, fmt.Sprintf("spindle.log lacks debug lines or %q at spindle.log.level=debug:\n%s", frameworkLine, framework)
			}
			return true, ""
		})
		produceUntil(t, b, j.topic, 4, 60*time.Second, func() (bool, string) {
			if n := len(sinkLines(t, j.dir)); n == 0 {
				return false, "nothing emitted yet"
			}
			return debugLogged()
		})
		// Emit has run (the sink has its outputs) and logs jobLine at INFO
		// each time: the WARN level dropped it in every container.
		for nm := range c.NMs {
			for _, ct := range c.RunningContainers(j.appID)[nm] {
				if app := containerFile(c, nm, j.appID, ct.ID, "app.log"); strings.Contains(app, jobLine) {
					t.Errorf("container %s: app.log holds an INFO line at spindle.log.app.level=WARN:\n%s", ct.ID, app)
				}
			}
		}
	})

	t.Run("spindle-log.properties by --files, --conf wins", func(t *testing.T) {
		j := jobs[2]
		// app.level=ERROR in the file, INFO by --conf: the job's lines are there.
		produceUntil(t, b, j.topic, 4, 60*time.Second, everyExecutor(j, jobRan(j)))
		// level=warn in the file: the framework's INFO lines are not.
		ok, why := everyExecutor(j, func(_, framework string) (bool, string) {
			if strings.Contains(framework, frameworkLine) || strings.Contains(framework, "\tinfo\t") {
				return false, fmt.Sprintf("spindle.log holds INFO lines at level=warn from %s:\n%s", filepath.Base(props), framework)
			}
			return true, ""
		})()
		if !ok {
			t.Fatal(why)
		}
	})
}

// TestLogAggregation: NodeManagers upload the rolled files of a running
// container every roll interval, and all of a finished application's logs
// to yarn.nodemanager.remote-app-log-dir, then delete their local copies
// after yarn.nodemanager.log.retain-seconds; once the NodeManagers are
// gone, spindle logs prints every container's files from that copy.
func TestLogAggregation(t *testing.T) {
	remote := testutil.SharedDir(t)
	b := kafkatest.Start(t, map[string]int32{"lines": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{
		"yarn.nodemanager.remote-app-log-dir=file://" + remote,
		"yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds=1",
		"spindle.log.maxSize=1m",
	}})
	// NM 0 keeps finished applications' logs for the default 3 hours, NM 1 for 1 s.
	c.AddNodeManager("yarn.nodemanager.log.retain-seconds=1")
	c.WaitForNodes(2)
	logsArgs := []string{"--conf", "yarn.nodemanager.remote-app-log-dir=file://" + remote}

	t.Run("rolled files of a running container", func(t *testing.T) {
		am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
		ct := launchOne(t, am, []string{"sh", "-c", "yes | head -c 2500000; exec sleep 300"}, nil)
		dir := filepath.Join(remote, c.Report(am.AppID).GetUser(), "logs", am.AppID, nodemanager.AggregatedNodeDir(ct.GetNodeId()), ct.GetId())
		var rolled []string
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			rolled, _ = filepath.Glob(filepath.Join(dir, "stdout.*"))
			return len(rolled) == 2, fmt.Sprintf("rolled stdout files uploaded: %v", rolled)
		})
		if st := am.Status(ct); st.GetState() != pb.ContainerState_CONTAINER_STATE_RUNNING {
			t.Fatalf("container %v: the upload was to happen while it runs", st.GetState())
		}
		for _, f := range rolled {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) > 1<<20 || len(raw) < 1<<20-64<<10 || strings.Trim(string(raw), "y\n") != "" {
				t.Errorf("%s: %d bytes, want just under 1 MiB of the container's y lines", filepath.Base(f), len(raw))
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "stdout")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the live stdout of a running container was uploaded: %v", err)
		}
	})

	t.Run("finished app after its NodeManagers stopped", func(t *testing.T) {
		dir := testutil.SharedDir(t)
		sub := streamingJob(c, b, "lines", dir, spreadTasks, testutil.Binary(t, "./examples/wordcount", "wordcount"))
		appID := sub.AppID()
		execs := waitExecutors(t, c, appID, 2, 60*time.Second)
		nodeOf := map[string]string{}
		hadContainers := map[int]bool{}
		for nm, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				nodeOf[ct.ID] = c.NodeID(nm)
				hadContainers[nm] = true
			}
		}
		produceUntil(t, b, "lines", 2, 60*time.Second, func() (bool, string) {
			for id, nm := range execs {
				if app := containerFile(c, nm, appID, id, "app.log"); !strings.Contains(app, jobLine) {
					return false, fmt.Sprintf("executor %s: app.log lacks %q; its spindle.log:\n%s", id, jobLine, containerFile(c, nm, appID, id, "spindle.log"))
				}
			}
			return true, ""
		})
		if err := os.WriteFile(filepath.Join(dir, "checkpoint", "_shutdown"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := sub.Wait(60 * time.Second); err != nil {
			t.Fatalf("submit after the marker: %v", err)
		}
		rep := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_FINISHED, 10*time.Second)
		appDir := filepath.Join(remote, rep.GetUser(), "logs", appID)
		files := []string{"app.log", "spindle.log", "stderr", "stdout"}
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			for id, node := range nodeOf {
				for _, f := range files {
					if _, err := os.Stat(filepath.Join(appDir, nodemanager.AggregatedNodeDir(node), id, f)); err != nil {
						return false, fmt.Sprintf("%s of %s not uploaded: %v", f, id, err)
					}
				}
			}
			return true, ""
		})
		local := func(nm int) string { return filepath.Join(c.Dir, "nm"+strconv.Itoa(nm), "nm-logs", appID) }
		if hadContainers[1] {
			testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
				_, err := os.Stat(local(1))
				return errors.Is(err, fs.ErrNotExist), fmt.Sprintf("NM 1's local copy after its 1 s retention: %v", err)
			})
		}
		if _, err := os.Stat(local(0)); hadContainers[0] && err != nil {
			t.Fatalf("NM 0's local copy is gone before its 3 h retention: %v", err)
		}
		t.Logf("containers by node: %v", nodeOf)

		for _, nm := range c.NMs {
			nm.Stop()
		}
		got := parseLogsOutput(t, spindleLogs(t, c, append(logsArgs, "-applicationId", appID)...))
		if len(got) != len(nodeOf) {
			t.Fatalf("printed %v, want the app's %d containers %v", keys(got), len(nodeOf), nodeOf)
		}
		for id, cl := range got {
			if cl.node != nodeOf[id] {
				t.Errorf("container %s shown on %s, ran on %s", id, cl.node, nodeOf[id])
			}
			for _, name := range files {
				f, ok := cl.files[name]
				if !ok {
					t.Errorf("container %s: no %s in %v", id, name, cl.files)
					continue
				}
				raw, err := os.ReadFile(filepath.Join(appDir, nodemanager.AggregatedNodeDir(cl.node), id, name))
				if err != nil {
					t.Fatal(err)
				}
				if f.aggregation != "AGGREGATED" || f.length != int64(len(raw)) || strings.TrimSuffix(f.contents, "\n") != strings.TrimSuffix(string(raw), "\n") {
					t.Errorf("container %s %s: %s, LogLength %d, %d bytes shown; want AGGREGATED and the %d uploaded bytes",
						id, name, f.aggregation, f.length, len(f.contents), len(raw))
				}
			}
			if _, isExec := execs[id]; isExec && !strings.Contains(cl.files["app.log"].contents, jobLine) {
				t.Errorf("executor %s: aggregated app.log lacks %q", id, jobLine)
			}
		}

		// -nodeAddress of a node that is gone, and -size on an aggregated file.
		var exec string
		for id := range execs {
			exec = id
			break
		}
		node := nodeOf[exec]
		got = parseLogsOutput(t, spindleLogs(t, c, append(logsArgs, "-applicationId", appID, "-nodeAddress", node, "-log_files", "app.log", "-size", "-40")...))
		for id := range nodeOf {
			if _, shown := got[id]; shown != (nodeOf[id] == node) {
				t.Errorf("-nodeAddress %s: container %s (on %s) shown: %v", node, id, nodeOf[id], shown)
			}
		}
		raw, err := os.ReadFile(filepath.Join(appDir, nodemanager.AggregatedNodeDir(node), exec, "app.log"))
		if err != nil {
			t.Fatal(err)
		}
		if f := got[exec].files["app.log"]; f.contents != string(raw[len(raw)-40:]) || len(got[exec].files) != 1 {
			t.Errorf("-size -40: %q (files %v), want %q", f.contents, got[exec].files, raw[len(raw)-40:])
		}
	})
}
