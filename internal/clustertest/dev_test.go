package clustertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
)

// devClientTLS is the certificate spindle dev made in dir for its user.
func devClientTLS(t *testing.T, dir string) *pki.Material {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "tls", "spindle-client-*.pem"))
	var cert string
	for _, m := range matches {
		if !strings.HasSuffix(m, "-key.pem") {
			cert = m
		}
	}
	m, err := pki.LoadFiles(pki.Files{CA: filepath.Join(dir, "tls", pki.CAFile), Cert: cert, Key: pki.KeyFileFor(cert)}, nil)
	if err != nil {
		t.Fatalf("spindle dev's client certificate in %s: %v", dir, err)
	}
	return m
}

// TestDevDemo runs `spindle dev --demo` as its own process, as a person
// would, with a small rate: the demo stops producing, stops the job with
// the shutdown marker and finds in the sink exactly what it produced; the
// application's AM serves its metrics on its tracking URL; and whether it
// ends by --duration or by SIGINT, no process it started is left.
func TestDevDemo(t *testing.T) {
	bin := testutil.SpindleBinary(t)

	t.Run("duration", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dev")
		dev := startDev(t, bin, dir, "--duration", "8s")
		m := dev.waitLine(t, regexp.MustCompile(`its ApplicationMaster serves (https://\S+)/metrics and`), 60*time.Second)
		checkAMMetrics(t, devClientTLS(t, dir), m[1])
		tree := dev.tree(t)
		if err := dev.wait(t, 90*time.Second); err != nil {
			t.Fatalf("spindle dev --duration exited with %v:\n%s", err, dev.output())
		}
		checkDemoSink(t, dev.output(), filepath.Join(dir, "output", "retail-demo"))
		checkGone(t, tree)
	})

	t.Run("SIGINT", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dev")
		dev := startDev(t, bin, dir)
		// Past transaction 200, the first invalid one (one in 200 is).
		batchRE := regexp.MustCompile(`(?m)^batch \S+ +(\d+) records`)
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			read := 0
			for _, m := range batchRE.FindAllStringSubmatch(dev.output(), -1) {
				n, _ := strconv.Atoi(m[1])
				read += n
			}
			return read >= 250, fmt.Sprintf("the job has read %d transactions", read)
		})
		tree := dev.tree(t)
		dev.cmd.Process.Signal(syscall.SIGINT)
		if err := dev.wait(t, 90*time.Second); err != nil {
			t.Fatalf("spindle dev exited with %v after SIGINT:\n%s", err, dev.output())
		}
		for _, want := range []string{"Stopping (Ctrl-C again to stop at once)", "Placed the shutdown marker", "finished: SUCCEEDED", "Spindle dev stopped"} {
			if !strings.Contains(dev.output(), want) {
				t.Errorf("output lacks %q:\n%s", want, dev.output())
			}
		}
		checkDemoSink(t, dev.output(), filepath.Join(dir, "output", "retail-demo"))
		checkGone(t, tree)
	})
}

// devRun is a `spindle dev` process.
type devRun struct {
	cmd  *exec.Cmd
	out  testutil.SyncBuffer
	done chan struct{}
	err  error
}

func (d *devRun) output() string { return d.out.String() }

// startDev runs `spindle dev --demo` on OS-chosen ports at 40
// transactions a second, building the job from this checkout. The cleanup
// stops it as Ctrl-C would, so that a failed test leaves nothing running.
func startDev(t *testing.T, bin, dir string, args ...string) *devRun {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	source := filepath.Join(filepath.Dir(file), "..", "..")
	full := append([]string{"dev", "--demo", "--random-ports", "--rate", "40", "--dir", dir, "--source", source}, args...)
	d := &devRun{cmd: exec.Command(bin, full...), done: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = &d.out, &d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-d.done:
			case <-time.After(60 * time.Second):
				d.cmd.Process.Kill()
				<-d.done
			}
		}
		if t.Failed() {
			t.Logf("--- spindle dev output ---\n%s", d.output())
		}
	})
	return d
}

// waitLine waits for a line matching re and returns its submatches.
func (d *devRun) waitLine(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	var m []string
	testutil.WaitFor(t, timeout, func() (bool, string) {
		select {
		case <-d.done:
			t.Fatalf("spindle dev exited (%v) before printing %s:\n%s", d.err, re, d.output())
		default:
		}
		m = re.FindStringSubmatch(d.output())
		return m != nil, "no line matching " + re.String()
	})
	return m
}

// wait waits for the process to exit and returns its error.
func (d *devRun) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-d.done:
		return d.err
	case <-time.After(timeout):
		t.Fatalf("spindle dev still running after %v", timeout)
		return nil
	}
}

// tree waits until the dev cluster runs everything it should (RM, two
// NMs, spindle submit, the AM, two executors, and the job in the AM and
// in each executor) and returns its descendants.
func (d *devRun) tree(t *testing.T) map[int]procInfo {
	t.Helper()
	var tree map[int]procInfo
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		tree = descendants(d.cmd.Process.Pid)
		names := map[string]int{}
		for _, p := range tree {
			names[p.comm]++
		}
		// RM, NMs, submit, AM, executors: 7 spindle; the job: 3 retail.
		return names["spindle"] >= 7 && names["retail"] >= 3, fmt.Sprintf("processes under spindle dev: %v", names)
	})
	return tree
}

// procInfo identifies a process: its name and start time, so that a
// recycled pid is not taken for it.
type procInfo struct {
	comm, start string
}

// readStat returns a process's parent and identity from /proc.
func readStat(pid int) (int, procInfo, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, procInfo{}, false
	}
	s := string(raw)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return 0, procInfo{}, false
	}
	// After "pid (comm) ": state ppid pgrp … with starttime the 20th.
	f := strings.Fields(s[closing+1:])
	if len(f) < 20 {
		return 0, procInfo{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid, procInfo{comm: s[open+1 : closing], start: f[19]}, true
}

// descendants lists every process whose chain of parents leads to root.
func descendants(root int) map[int]procInfo {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	info := map[int]procInfo{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, pi, ok := readStat(pid); ok {
			parent[pid], info[pid] = ppid, pi
		}
	}
	out := map[int]procInfo{}
	for pid := range parent {
		for p, hops := parent[pid], 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if p == root {
				out[pid] = info[pid]
				break
			}
		}
	}
	return out
}

// checkGone fails for each process of tree that still runs.
func checkGone(t *testing.T, tree map[int]procInfo) {
	t.Helper()
	for pid, want := range tree {
		if _, got, ok := readStat(pid); ok && got == want {
			t.Errorf("process %d (%s) is still running after spindle dev exited", pid, want.comm)
		}
	}
}

// checkAMMetrics waits until the AM's /metrics/json shows both executors
// running and a completed batch, and its /metrics the same in Prometheus
// text.
func checkAMMetrics(t *testing.T, tls *pki.Material, base string) {
	t.Helper()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		var doc struct {
			Gauges   map[string]struct{ Value float64 }
			Counters map[string]struct{ Count int64 }
		}
		raw := httpGet(t, tls, base+"/metrics/json")
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatalf("%s/metrics/json: %v\n%s", base, err, raw)
		}
		running, batches, allocated := -1.0, -1.0, int64(-1)
		for name, g := range doc.Gauges {
			switch {
			case strings.HasSuffix(name, ".applicationMaster.numExecutorsRunning"):
				running = g.Value
			case strings.HasSuffix(name, ".driver.retail-demo.StreamingMetrics.streaming.totalCompletedBatches"):
				batches = g.Value
			}
		}
		for name, c := range doc.Counters {
			if strings.HasSuffix(name, ".applicationMaster.numContainersAllocated") {
				allocated = c.Count
			}
		}
		return running == 2 && batches >= 1 && allocated >= 2,
			fmt.Sprintf("executors running %v, batches %v, containers allocated %d:\n%s", running, batches, allocated, raw)
	})
	prom := httpGet(t, tls, base+"/metrics")
	// Every series carries the application's id.
	for _, want := range []string{`spindle_am_executors_running\{application_id="application_\d+_\d+"\} 2\n`, `spindle_am_attempt\{application_id="application_\d+_\d+"\} 1\n`, `spindle_am_batch_processing_seconds_count\{application_id="application_\d+_\d+"\} `} {
		if !regexp.MustCompile(want).MatchString(prom) {
			t.Errorf("%s/metrics lacks %q:\n%s", base, want, prom)
		}
	}
}

// httpGet fetches url as the user of tls (a client certificate of the
// cluster that serves url).
func httpGet(t *testing.T, tls *pki.Material, url string) string {
	t.Helper()
	resp, err := pki.HTTPClient(tls, 30*time.Second).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(raw)
}

var (
	producedRE  = regexp.MustCompile(`Stopped producing: (\d+) transactions \((\d+) valid, revenue (\d+)\.(\d\d); (\d+) invalid; (\d+) refused by Kafka\)`)
	sinkCheckRE = regexp.MustCompile(`Sink check: .*: (OK|MISMATCH)`)
	txnIDRE     = regexp.MustCompile(`"id":"t-(\d+)"`)
)

// checkDemoSink checks the demo's own verdict, then, independently, that
// the sink and the dead letters together hold each transaction the demo
// says it produced exactly once, and the revenue it produced.
func checkDemoSink(t *testing.T, out, sink string) {
	t.Helper()
	if m := sinkCheckRE.FindStringSubmatch(out); m == nil || m[1] != "OK" {
		t.Fatalf("the demo's sink check did not pass:\n%s", out)
	}
	m := producedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no \"Stopped producing\" line:\n%s", out)
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
	total, valid, revenue, invalid, refused := n(1), n(2), n(3)*100+n(4), n(5), n(6)
	if refused != 0 || valid+invalid != total || total < 100 || invalid == 0 {
		t.Fatalf("produced %d (%d valid, %d invalid, %d refused): want some of each kind and none refused", total, valid, invalid, refused)
	}
	seen := map[int64]string{}
	note := func(id int64, where string) {
		if prev, dup := seen[id]; dup {
			t.Errorf("t-%d is both in %s and in %s", id, prev, where)
		}
		seen[id] = where
	}
	var lines, cents int64
	files, _ := filepath.Glob(filepath.Join(sink, "batch=*", "part-*"))
	for _, f := range files {
		for _, l := range readLines(t, f) {
			key, value, _ := strings.Cut(l, "\t")
			id, err := strconv.ParseInt(strings.TrimPrefix(key, "t-"), 10, 64)
			if err != nil {
				t.Fatalf("sink line %q has no transaction id", l)
			}
			var txn struct{ Amount string }
			if err := json.Unmarshal([]byte(value), &txn); err != nil {
				t.Fatalf("sink line %q: %v", l, err)
			}
			units, frac, _ := strings.Cut(txn.Amount, ".")
			u, _ := strconv.ParseInt(units, 10, 64)
			c, _ := strconv.ParseInt(frac, 10, 64)
			cents += u*100 + c
			lines++
			note(id, f)
		}
	}
	dead, _ := filepath.Glob(filepath.Join(sink, "_deadletter", "batch=*", "part-*"))
	for _, f := range dead {
		for _, l := range readLines(t, f) {
			var dl struct{ Value []byte }
			if err := json.Unmarshal([]byte(l), &dl); err != nil {
				t.Fatalf("dead letter %q: %v", l, err)
			}
			mm := txnIDRE.FindSubmatch(dl.Value)
			if mm == nil {
				t.Fatalf("dead letter %q names no transaction", dl.Value)
			}
			id, _ := strconv.ParseInt(string(mm[1]), 10, 64)
			note(id, f)
		}
	}
	if lines != valid || cents != revenue {
		t.Errorf("sink has %d transactions worth %d cents; the demo produced %d valid worth %d", lines, cents, valid, revenue)
	}
	if int64(len(seen)) != total {
		t.Errorf("sink and dead letters hold %d transactions, the demo produced %d", len(seen), total)
	}
	for id := int64(1); id <= total; id++ {
		if _, ok := seen[id]; !ok {
			t.Errorf("t-%d was produced but is neither in the sink nor in the dead letters", id)
			break
		}
	}
}
