package dfs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The killed-writer helper streams killedWriterBytes to a path of a store
// with WriteFrom, prints killedWriterStalled once they are handed over, and
// then blocks reading its stdin, so that the write is half-way when the
// test SIGKILLs it.
const (
	killedWriterHelper  = "killed-writer"
	killedWriterStalled = "stalled"
	killedWriterBytes   = 300 << 10

	envWriterStore = "DFS_TEST_STORE" // file:<root> or hdfs:<namenode>
	envWriterUser  = "DFS_TEST_USER"
	envWriterPath  = "DFS_TEST_PATH"
)

// storeSpec describes s for the helper process.
func storeSpec(t *testing.T, s Store) []string {
	t.Helper()
	switch s := s.(type) {
	case *FileStore:
		return []string{envWriterStore + "=file:" + s.Root()}
	case *HDFSStore:
		return []string{envWriterStore + "=hdfs:" + strings.Join(s.opts.Addresses, ","), envWriterUser + "=" + s.opts.User}
	}
	t.Fatalf("no helper for a %T", s)
	return nil
}

// openSpecStore opens the store storeSpec described.
func openSpecStore(ctx context.Context) (Store, error) {
	kind, where, _ := strings.Cut(os.Getenv(envWriterStore), ":")
	switch kind {
	case "file":
		return NewFileStore(where)
	case "hdfs":
		cfg := DefaultHDFSConfig()
		cfg.Addresses = strings.Split(where, ",")
		cfg.User = os.Getenv(envWriterUser)
		return NewHDFSStore(ctx, cfg)
	}
	return nil, fmt.Errorf("%s=%q names no store", envWriterStore, os.Getenv(envWriterStore))
}

// stallingReader, read after the payload, announces that all of it was
// handed to the writer, then blocks until stdin ends (the test never writes
// to it).
type stallingReader struct{}

func (stallingReader) Read([]byte) (int, error) {
	fmt.Println(killedWriterStalled)
	var b [1]byte
	_, err := os.Stdin.Read(b[:])
	return 0, fmt.Errorf("stdin: %v", err)
}

func runKilledWriter() int {
	ctx := context.Background()
	s, err := openSpecStore(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	payload := bytes.Repeat([]byte("half-written "), killedWriterBytes/13)
	_, err = s.WriteFrom(ctx, os.Getenv(envWriterPath), io.MultiReader(bytes.NewReader(payload), stallingReader{}))
	fmt.Fprintln(os.Stderr, "WriteFrom returned:", err)
	return 1
}

// killWriterHalfway runs a process that writes to p on s with WriteFrom
// and SIGKILLs it once it has handed over its first bytes, in the middle
// of the write.
func killWriterHalfway(t *testing.T, s Store, p string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+killedWriterHelper, envWriterPath+"="+p)
	cmd.Env = append(cmd.Env, storeSpec(t, s)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stalled := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == killedWriterStalled {
				stalled <- true
				return
			}
		}
		stalled <- false
	}()
	select {
	case ok := <-stalled:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("writer process exited before it stalled: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("writer process did not stall within 30s: %s", stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("writer process ended with %v, want killed", err)
	}
}

// checkKilledWrite runs the writer-killed case on s: with old content (or
// none) at p, a writer SIGKILLed half-way through replacing it leaves the
// old content (or still no file) at p, and a following write succeeds.
func checkKilledWrite(t *testing.T, s Store, p, old string) {
	t.Helper()
	ctx := context.Background()
	if old != "" {
		mustWriteFile(t, s, p, old)
	}
	killWriterHalfway(t, s, p)
	dir, name := splitStorePath(p)
	if old != "" {
		if got := mustReadFile(t, s, p); got != old {
			t.Fatalf("after the writer was killed %s holds %d bytes (%.20q…), want the old %q", p, len(got), got, old)
		}
	} else if ok, err := s.Exists(ctx, p); ok || err != nil {
		t.Fatalf("after the writer was killed Exists(%s) = %v, %v; want false, nil", p, ok, err)
	}
	// The write was in flight: its temporary file is still there, beside p.
	var temps []FileInfo
	for _, fi := range mustList(t, s, dir) {
		if fi.Name != name {
			temps = append(temps, fi)
		}
	}
	if len(temps) != 1 || !strings.Contains(temps[0].Name, name) {
		t.Fatalf("%s holds %v besides %s; want the killed writer's temporary file", dir, temps, name)
	}
	mustWriteFile(t, s, p, "after the crash")
	if got := mustReadFile(t, s, p); got != "after the crash" {
		t.Fatalf("write after the crash: read %q", got)
	}
}

func splitStorePath(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	return p[:max(i, 1)], p[i+1:]
}

func mustList(t *testing.T, s Store, dir string) []FileInfo {
	t.Helper()
	infos, err := s.List(context.Background(), dir)
	if err != nil {
		t.Fatalf("List(%s): %v", dir, err)
	}
	return infos
}
