package localizer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"go.uber.org/zap"
)

// cachedNode is a localizer with a cache over one local dir, fetching
// through a counting fetcher.
type cachedNode struct {
	l       *Localizer
	local   string
	fetches *countingFetcher
}

func newCachedNode(t *testing.T, local string, target int64) *cachedNode {
	t.Helper()
	cf := &countingFetcher{next: NewStoreFetcher()}
	l, err := New(Config{Fetchers: map[string]Fetcher{"file": cf}, LocalDirs: []string{local}, CacheTargetBytes: target, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &cachedNode{l: l, local: local, fetches: cf}
}

// launch localizes res for a new container of user and returns its
// working dir.
func (n *cachedNode) launch(t *testing.T, user, id string, res []*pb.LocalResource) string {
	t.Helper()
	work := filepath.Join(n.local, "application_1_0001", id)
	if err := os.MkdirAll(work, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := n.l.Localize(context.Background(), Request{ContainerID: id, User: user, WorkDir: work, Resources: res}); err != nil {
		t.Fatalf("Localize(%s): %v", id, err)
	}
	return work
}

func (n *cachedNode) cacheEntries(t *testing.T, user string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(n.local, cacheSubdir(user)))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fa, fb)
}

func TestCacheLinksSecondContainerWithoutFetching(t *testing.T) {
	res := stageJarAndScript(t)
	n := newCachedNode(t, t.TempDir(), 1<<30)
	w1 := n.launch(t, "alice", "container_1_0001_01_000001", res)
	w2 := n.launch(t, "alice", "container_1_0001_01_000002", res)
	if got := n.fetches.opens.Load(); got != 2 {
		t.Fatalf("%d fetches for two containers of one user, want 2 (one per resource)", got)
	}
	for name, mode := range map[string]os.FileMode{"app.jar": 0o444, "run.sh": 0o555} {
		if !sameFile(t, filepath.Join(w1, name), filepath.Join(w2, name)) {
			t.Errorf("%s: the containers do not share the cached file", name)
		}
		fi, err := os.Stat(filepath.Join(w2, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %v, want %v (read-only, shared)", name, fi.Mode().Perm(), mode)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(w2, "app.jar")); !bytes.Equal(got, jarContent) {
		t.Error("cached app.jar differs from the staged one")
	}
	if names := dirNames(t, w2); strings.Join(names, ",") != "app.jar,run.sh" {
		t.Errorf("working dir holds %v, want only the resources", names)
	}
}

func TestCacheIsPerUser(t *testing.T) {
	res := stageFiles(t, srcFile{"app.jar", jarContent, 0o644})
	n := newCachedNode(t, t.TempDir(), 1<<30)
	wa := n.launch(t, "alice", "container_1_0001_01_000001", res)
	wb := n.launch(t, "bob", "container_1_0001_01_000002", res)
	if got := n.fetches.opens.Load(); got != 2 {
		t.Fatalf("%d fetches, want 2: bob must not get alice's cached copy", got)
	}
	if sameFile(t, filepath.Join(wa, "app.jar"), filepath.Join(wb, "app.jar")) {
		t.Error("two users share one cached file")
	}
}

func TestCacheConcurrentLaunchesFetchOnce(t *testing.T) {
	res := stageFiles(t, srcFile{"app.jar", jarContent, 0o644})
	n := newCachedNode(t, t.TempDir(), 1<<30)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.launch(t, "alice", "container_1_0001_01_00001"+string(rune('0'+i)), res)
		}()
	}
	wg.Wait()
	if got := n.fetches.opens.Load(); got != 1 {
		t.Fatalf("%d fetches for 6 concurrent launches, want 1", got)
	}
}

// TestCacheEvictsLeastRecentlyUsedNotInUse trims the cache to its target:
// an entry no container links goes, one a running container links stays.
func TestCacheEvictsLeastRecentlyUsedNotInUse(t *testing.T) {
	a := bytes.Repeat([]byte("a"), 1000)
	b := bytes.Repeat([]byte("b"), 1000)
	c := bytes.Repeat([]byte("c"), 1000)
	ra := stageFiles(t, srcFile{"a", a, 0o644})
	rb := stageFiles(t, srcFile{"b", b, 0o644})
	rc := stageFiles(t, srcFile{"c", c, 0o644})
	n := newCachedNode(t, t.TempDir(), 1500)

	wa := n.launch(t, "alice", "container_1_0001_01_000001", ra)
	if err := os.RemoveAll(wa); err != nil { // container a finished and was cleaned up
		t.Fatal(err)
	}
	n.launch(t, "alice", "container_1_0001_01_000002", rb) // 2000 > 1500: a goes
	if got := n.cacheEntries(t, "alice"); len(got) != 1 || !strings.HasPrefix(got[0], sha256Hex(b)) {
		t.Fatalf("cache holds %v, want only b's entry", got)
	}
	n.launch(t, "alice", "container_1_0001_01_000003", rc) // b is linked by a running container
	if got := n.cacheEntries(t, "alice"); len(got) != 2 {
		t.Fatalf("cache holds %v, want b (in use) and c", got)
	}
	// a is fetched again after its eviction.
	before := n.fetches.opens.Load()
	n.launch(t, "alice", "container_1_0001_01_000004", ra)
	if got := n.fetches.opens.Load(); got != before+1 {
		t.Errorf("evicted a: %d fetches, want %d", got, before+1)
	}
}

// A container that makes its link writable and changes it must not hand
// the change to the next container.
func TestCacheRefetchesAChangedEntry(t *testing.T) {
	res := stageFiles(t, srcFile{"conf", []byte("a=1"), 0o644})
	n := newCachedNode(t, t.TempDir(), 1<<30)
	w1 := n.launch(t, "alice", "container_1_0001_01_000001", res)
	p := filepath.Join(w1, "conf")
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("a=2, changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	w2 := n.launch(t, "alice", "container_1_0001_01_000002", res)
	if got, _ := os.ReadFile(filepath.Join(w2, "conf")); string(got) != "a=1" {
		t.Fatalf("second container reads %q, want the staged a=1", got)
	}
	if got := n.fetches.opens.Load(); got != 2 {
		t.Errorf("%d fetches, want 2 (the changed entry fetched again)", got)
	}
}

func TestCacheSurvivesRestart(t *testing.T) {
	res := stageFiles(t, srcFile{"app.jar", jarContent, 0o644})
	local := t.TempDir()
	first := newCachedNode(t, local, 1<<30)
	first.launch(t, "alice", "container_1_0001_01_000001", res)
	// An unfinished temporary from a crash is removed at start.
	junk := filepath.Join(local, cacheSubdir("alice"), ".app.jar.tmp-123")
	if err := os.WriteFile(junk, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := newCachedNode(t, local, 1<<30)
	second.launch(t, "alice", "container_1_0001_01_000002", res)
	if got := second.fetches.opens.Load(); got != 0 {
		t.Errorf("restarted localizer fetched %d times, want 0", got)
	}
	if _, err := os.Stat(junk); !os.IsNotExist(err) {
		t.Errorf("leftover temporary still there: %v", err)
	}
}

func TestCacheKeepsNothingOfAFailedFetch(t *testing.T) {
	res := stageFiles(t, srcFile{"app.jar", jarContent, 0o644})
	if err := os.WriteFile(stagedPath(t, res[0]), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := newCachedNode(t, t.TempDir(), 1<<30)
	work := filepath.Join(n.local, "application_1_0001", "c1")
	if err := os.MkdirAll(work, 0o750); err != nil {
		t.Fatal(err)
	}
	err := n.l.Localize(context.Background(), Request{ContainerID: "c1", User: "alice", WorkDir: work, Resources: res})
	if err == nil {
		t.Fatal("a tampered resource was localized")
	}
	if got := n.cacheEntries(t, "alice"); len(got) != 0 {
		t.Errorf("cache holds %v after a failed fetch", got)
	}
}
