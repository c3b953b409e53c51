package sdk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

var (
	// buildFlags are extra flags for building the job binaries.
	buildFlags []string
	buildOnce  sync.Once
	buildDir   string
	buildErr   error
)

// jobBinary builds the example and test job binaries once per test run
// and returns the path of the one named.
func jobBinary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sdk-jobs-")
		if buildErr != nil {
			return
		}
		args := append(append([]string{"build"}, buildFlags...), "-o", buildDir+string(filepath.Separator), "../examples/wordcount", "./testdata/crashjob")
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, name)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func sha256File(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jsonLines decodes the JSON lines of a log, failing on any other line.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("app log line is not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func startWordcount(t *testing.T, appLog *syncBuffer, lg *zap.Logger) *JobClient {
	t.Helper()
	bin := jobBinary(t, "wordcount")
	cfg := DefaultClientConfig()
	cfg.Path, cfg.SHA256, cfg.AppLog, cfg.Logger = bin, sha256File(t, bin), appLog, lg
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := NewClient(ctx, cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Kill)
	return c
}

func TestWordcountProcess(t *testing.T) {
	ctx := context.Background()
	appLog := &syncBuffer{}
	core, framework := observer.New(zapcore.InfoLevel)
	c := startWordcount(t, appLog, zap.New(core))

	caps, err := c.Configure(ctx, map[string]string{"spark.app.name": "wordcount"}, []string{"--lower"})
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if !reflect.DeepEqual(caps, Capabilities{Aggregate: true, UpdateState: true}) {
		t.Errorf("capabilities = %+v", caps)
	}

	batch1 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	p := Partition{PartitionInfo: PartitionInfo{BatchTime: batch1, Topic: "lines", Partition: 0}}
	for i, v := range []string{"Hello hello world", "", "\xff\xfe oops", "  "} {
		p.Records = append(p.Records, Record{Topic: "lines", Offset: int64(i), Value: []byte(v)})
	}
	res, err := c.ProcessPartition(ctx, p)
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	if want := []Output{{Key: []byte("hello"), Value: []byte("2")}, {Key: []byte("world"), Value: []byte("1")}}; !reflect.DeepEqual(res.Outputs, want) {
		t.Errorf("outputs = %q, want %q", res.Outputs, want)
	}
	var reasons []string
	for _, r := range res.Rejected {
		reasons = append(reasons, fmt.Sprintf("%d %s %s", r.Record.Offset, r.Stage, r.Reason))
	}
	if want := []string{"1 parse empty line", "2 parse line is not valid UTF-8 (first bad byte at 0)", "3 parse blank line: no words"}; !reflect.DeepEqual(reasons, want) {
		t.Errorf("rejected = %q, want %q", reasons, want)
	}
	if want := []KeyValue{{"hello", []byte("2")}, {"world", []byte("1")}}; !reflect.DeepEqual(res.Aggregates, want) {
		t.Errorf("aggregates = %q, want %q", res.Aggregates, want)
	}

	// A partition well over gRPC's default 4 MiB message limit.
	big := Partition{PartitionInfo: PartitionInfo{BatchTime: batch1, Topic: "lines", Partition: 1}}
	line := []byte(strings.Repeat("spindle ", 256))
	for i := range 4096 {
		big.Records = append(big.Records, Record{Topic: "lines", Partition: 1, Offset: int64(i), Value: line})
	}
	resBig, err := c.ProcessPartition(ctx, big)
	if err != nil {
		t.Fatalf("ProcessPartition of an 8 MiB partition: %v", err)
	}
	if want := []KeyValue{{"spindle", []byte("1048576")}}; !reflect.DeepEqual(resBig.Aggregates, want) {
		t.Errorf("big partition aggregates = %q, want %q", resBig.Aggregates, want)
	}

	// The driver's side: reduce across partitions, then keep state.
	reduced, err := c.Reduce(ctx, []KeyValues{{Key: "hello", Values: [][]byte{[]byte("2"), []byte("3")}}, {Key: "world", Values: [][]byte{[]byte("1")}}})
	if err != nil {
		t.Fatalf("Reduce: %v", err)
	}
	if want := []KeyValue{{"hello", []byte("5")}, {"world", []byte("1")}}; !reflect.DeepEqual(reduced, want) {
		t.Errorf("Reduce = %q, want %q", reduced, want)
	}
	states, err := c.UpdateState(ctx, batch1.Add(time.Second), []StateInput{
		{Key: "hello", Values: [][]byte{[]byte("5")}, Old: []byte("10")},
		{Key: "new", Values: [][]byte{[]byte("1")}},
	})
	if err != nil {
		t.Fatalf("UpdateState: %v", err)
	}
	if want := []StateOutput{{Key: "hello", State: []byte("15"), Keep: true}, {Key: "new", State: []byte("1"), Keep: true}}; !reflect.DeepEqual(states, want) {
		t.Errorf("UpdateState = %+v, want %+v", states, want)
	}
	_, err = c.Reduce(ctx, []KeyValues{{Key: "hello", Values: [][]byte{[]byte("2"), []byte("two")}}})
	if serr, ok := errors.AsType[*StageError](err); !ok || serr.Stage != StageReduce || serr.Key != "hello" || !strings.Contains(serr.Message, `count "two"`) {
		t.Errorf("Reduce of a bad count = %v, want a reduce StageError on key hello", err)
	}

	// The job's log reaches AppLog as JSON lines with the job's fields,
	// and only the job's lines do.
	var counted map[string]any
	waitFor(t, "the job's log line", func() bool {
		for _, l := range jsonLines(t, appLog.String()) {
			if l["msg"] == "partition counted" && l["partition"] == float64(0) {
				counted = l
				return true
			}
		}
		return false
	})
	if counted["topic"] != "lines" || counted["words"] != float64(3) || counted["distinct"] != float64(2) || counted["level"] != "info" || counted["batch"] == nil {
		t.Errorf("log line = %v", counted)
	}
	if strings.Contains(appLog.String(), "@module") {
		t.Errorf("go-plugin's lines reached the app log:\n%s", appLog)
	}
	if framework.FilterMessage("job plugin started").Len() != 1 {
		t.Errorf("framework log lacks the start: %v", framework.All())
	}

	if c.Exited() {
		t.Fatal("Exited before Kill")
	}
	c.Kill()
	waitFor(t, "Exited after Kill", c.Exited)
	if _, err := c.ProcessPartition(ctx, p); err == nil {
		t.Error("ProcessPartition after Kill succeeded")
	}
}

func TestChecksumMismatchRefusesTheBinary(t *testing.T) {
	bin := jobBinary(t, "wordcount")
	appLog := &syncBuffer{}
	cfg := DefaultClientConfig()
	cfg.Path, cfg.AppLog = bin, appLog
	cfg.SHA256 = strings.Repeat("ab", 32)
	_, err := NewClient(context.Background(), cfg)
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("NewClient with a wrong SHA-256 = %v, want ErrChecksumMismatch", err)
	}
	for _, want := range []string{bin, sha256File(t, bin), cfg.SHA256, "not running it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if appLog.String() != "" {
		t.Errorf("the refused binary wrote to the app log: %q", appLog)
	}
}

// TestChecksumMismatchNeverRuns proves the refused binary did not start:
// a script that leaves a marker file does so with the right checksum and
// does not with a wrong one.
func TestChecksumMismatchNeverRuns(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho ran > \"$MARKER\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(name, sum string) (string, error) {
		marker := filepath.Join(dir, name)
		cmd := exec.Command(script)
		cmd.Env = []string{"MARKER=" + marker}
		cfg := DefaultClientConfig()
		cfg.Cmd, cfg.SHA256, cfg.AppLog, cfg.StartTimeout = cmd, sum, io.Discard, 10*time.Second
		c, err := NewClient(context.Background(), cfg)
		if err == nil {
			c.Kill()
			t.Fatalf("NewClient(%s) started a script that is not a job", name)
		}
		return marker, err
	}

	marker, err := run("right", sha256File(t, script))
	if errors.Is(err, ErrChecksumMismatch) || !strings.Contains(err.Error(), "start job") {
		t.Errorf("right checksum: %v, want a start failure", err)
	}
	if _, statErr := os.Stat(marker); statErr != nil {
		t.Fatalf("with the right checksum the script did not run (%v), so the marker proves nothing", statErr)
	}

	marker, err = run("wrong", strings.Repeat("00", 32))
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Errorf("wrong checksum: %v, want ErrChecksumMismatch", err)
	}
	if _, statErr := os.Stat(marker); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("with a wrong checksum the script ran: marker %v", statErr)
	}
}

func TestCrashedJobExitsAndLeavesItsTraceInTheAppLog(t *testing.T) {
	bin := jobBinary(t, "crashjob")
	appLog := &syncBuffer{}
	cfg := DefaultClientConfig()
	cfg.Path, cfg.SHA256, cfg.AppLog = bin, sha256File(t, bin), appLog
	ctx := context.Background()
	c, err := NewClient(ctx, cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Kill)
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	p := Partition{PartitionInfo: PartitionInfo{Topic: "t"}, Records: []Record{{Offset: 7, Value: []byte("fine")}}}
	if _, err := c.ProcessPartition(ctx, p); err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	waitFor(t, "the job's stdout in the app log", func() bool {
		return strings.Contains(appLog.String(), "stdout from the job: offset 7\n")
	})

	p.Records[0].Value = []byte("crash")
	if _, err := c.ProcessPartition(ctx, p); err == nil {
		t.Fatal("ProcessPartition succeeded while the job crashed")
	}
	waitFor(t, "Exited after the crash", c.Exited)
	waitFor(t, "the crash trace in the app log", func() bool {
		return bytes.Contains([]byte(appLog.String()), []byte("panic: crashjob: unrecoverable"))
	})
}

func TestNewClientCancelledStopsThePlugin(t *testing.T) {
	bin := jobBinary(t, "wordcount")
	core, framework := observer.New(zapcore.InfoLevel)
	cfg := DefaultClientConfig()
	cfg.Path, cfg.SHA256, cfg.AppLog, cfg.Logger = bin, sha256File(t, bin), io.Discard, zap.New(core)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewClient(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("NewClient with a cancelled context = %v, want context.Canceled", err)
	}
	// The start goes on in the background, then the plugin is stopped.
	waitFor(t, "the plugin's exit", func() bool {
		for _, e := range framework.FilterMessage("go-plugin").All() {
			if e.ContextMap()["message"] == "plugin process exited" {
				return true
			}
		}
		return false
	})
}

func TestNewClientMissingBinary(t *testing.T) {
	cfg := DefaultClientConfig()
	cfg.Path, cfg.SHA256, cfg.AppLog = filepath.Join(t.TempDir(), "nojob"), strings.Repeat("00", 32), io.Discard
	_, err := NewClient(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "nojob") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("NewClient of a missing binary = %v, want an error naming it", err)
	}
}

// TestRecordsTravelInSharedMemory: a job binary maps the memory its host
// shares, and a call's records and outputs travel there; a partition too
// large for a lane still goes through, over the connection.
func TestRecordsTravelInSharedMemory(t *testing.T) {
	ctx := context.Background()
	c := startWordcount(t, &syncBuffer{}, zap.NewNop())
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	g := c.rpc.(*grpcClient)
	if !g.shared.Load() {
		t.Fatal("the job binary did not map the memory its host shared")
	}
	calls := g.lanes.calls.Load()
	p := Partition{PartitionInfo: PartitionInfo{Topic: "lines"}, Records: []Record{{Topic: "lines", Value: []byte("to be or not to be")}}}
	res, err := c.ProcessPartition(ctx, p)
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	if g.lanes.calls.Load() != calls+1 {
		t.Fatalf("the call took %d lanes, want 1", g.lanes.calls.Load()-calls)
	}
	if want := []Output{{Key: []byte("to"), Value: []byte("2")}, {Key: []byte("be"), Value: []byte("2")}, {Key: []byte("or"), Value: []byte("1")}, {Key: []byte("not"), Value: []byte("1")}}; !reflect.DeepEqual(res.Outputs, want) {
		t.Errorf("outputs = %q, want %q", res.Outputs, want)
	}

	big := Partition{PartitionInfo: PartitionInfo{Topic: "lines"}}
	line := []byte(strings.Repeat("spindle ", 512))
	for i := range laneBytes/len(line) + 1 {
		big.Records = append(big.Records, Record{Topic: "lines", Offset: int64(i), Value: line})
	}
	res, err = c.ProcessPartition(ctx, big)
	if err != nil {
		t.Fatalf("ProcessPartition of a partition larger than a lane: %v", err)
	}
	if want := []KeyValue{{"spindle", []byte(fmt.Sprint(512 * len(big.Records)))}}; !reflect.DeepEqual(res.Aggregates, want) {
		t.Errorf("aggregates = %q, want %q", res.Aggregates, want)
	}
}

// TestJobWithoutTheHandOverStillRuns: a job binary that takes neither the
// TLS material nor the shared memory its host hands over, as one built
// with an older sdk, still runs, over go-plugin's own mutual TLS and with
// its records on the connection.
func TestJobWithoutTheHandOverStillRuns(t *testing.T) {
	// The process's environment comes after the host's additions, so
	// these hide them from the job.
	t.Setenv(envTLSFD, "")
	t.Setenv(envSharedFD, "")
	ctx := context.Background()
	c := startWordcount(t, &syncBuffer{}, zap.NewNop())
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if c.rpc.(*grpcClient).shared.Load() {
		t.Fatal("the job claims the shared memory it was not given")
	}
	res, err := c.ProcessPartition(ctx, Partition{Records: []Record{{Value: []byte("a a")}}})
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	if want := []KeyValue{{"a", []byte("2")}}; !reflect.DeepEqual(res.Aggregates, want) {
		t.Errorf("aggregates = %q, want %q", res.Aggregates, want)
	}
}

// TestVerifiedBinaryIsNotHashedAgain: with ChecksumVerified the binary is
// started without being read and hashed, so even a wrong SHA256 starts it;
// without, the same config is refused.
func TestVerifiedBinaryIsNotHashedAgain(t *testing.T) {
	bin := jobBinary(t, "wordcount")
	cfg := DefaultClientConfig()
	cfg.Path, cfg.AppLog, cfg.SHA256 = bin, io.Discard, strings.Repeat("ab", 32)
	if _, err := NewClient(context.Background(), cfg); !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("unverified: %v, want ErrChecksumMismatch", err)
	}
	cfg.ChecksumVerified = true
	c, err := NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatalf("verified by the caller: %v", err)
	}
	c.Kill()
}
