package staging

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs/dfstest"
)

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		archive bool
		want    Source
		wantErr string
	}{
		{spec: "conf/app.properties", want: Source{Location: "conf/app.properties", Name: "app.properties"}},
		{spec: "/etc/app.properties#settings", want: Source{Location: "/etc/app.properties", Name: "settings"}},
		{spec: "hdfs://nn:8020/jobs/retail#job", want: Source{Location: "hdfs://nn:8020/jobs/retail", Name: "job"}},
		{spec: "https://repo.example/x/lookup.csv", want: Source{Location: "https://repo.example/x/lookup.csv", Name: "lookup.csv"}},
		{spec: "file:///data/a%20b.txt#ab", want: Source{Location: "file:///data/a%20b.txt", Name: "ab"}},
		{spec: "deps.tgz#env", archive: true, want: Source{Location: "deps.tgz", Name: "env", Archive: true}},
		{spec: "hdfs:///pkgs/site.zip", archive: true, want: Source{Location: "hdfs:///pkgs/site.zip", Name: "site.zip", Archive: true}},
		{spec: "deps.gz", archive: true, wantErr: "archive extension"},
		{spec: "a.txt#sub/b.txt", wantErr: "path separator"},
		{spec: "a.txt#..", wantErr: "dir reference"},
		{spec: "", wantErr: "empty path"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseSource(tc.spec, tc.archive)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseSource = %+v, %v; want ErrInvalidSource mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSource = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestStageAliasAndArchiveNames(t *testing.T) {
	cfg, _ := testConfig(t, "app")
	src := t.TempDir()
	conf := writeFile(t, src, "app.properties", []byte("a=1"), 0o644)
	deps := writeFile(t, src, "deps.tgz", []byte("not unpacked here"), 0o644)
	srcs := []Source{
		{Location: conf, Name: "settings.conf"},
		{Location: deps, Name: "env", Archive: true},
	}
	res, err := StageSources(context.Background(), cfg, srcs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].GetName() != "settings.conf" || path.Base(uriPath(t, res[0].GetUri())) != "settings.conf" ||
		res[0].GetType() != pb.LocalResourceType_LOCAL_RESOURCE_TYPE_FILE {
		t.Errorf("aliased file staged as %+v, want name and staged file settings.conf", res[0])
	}
	// The archive keeps its extension in staging, so the NM knows its format.
	if res[1].GetName() != "env" || path.Base(uriPath(t, res[1].GetUri())) != "env.tgz" ||
		res[1].GetType() != pb.LocalResourceType_LOCAL_RESOURCE_TYPE_ARCHIVE {
		t.Errorf("archive staged as %+v, want name env, file env.tgz, type ARCHIVE", res[1])
	}

	_, err = Stage(context.Background(), cfg, []string{conf + "#x", deps + "#x"})
	if !errors.Is(err, ErrDuplicateName) || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("two sources aliased x: %v, want ErrDuplicateName", err)
	}
}

// TestStageOnHDFS stages to the in-process HDFS from a local file and from
// a file already on HDFS, and removes the app's dir.
func TestStageOnHDFS(t *testing.T) {
	c := dfstest.StartHDFS(t, 64<<10)
	st := dfstest.NewHDFSStore(t, c.Addr(), nil)
	ctx := context.Background()
	job := bytes.Repeat([]byte("job binary "), 20000) // several blocks
	if err := st.WriteFile(ctx, "/jobs/retail", job); err != nil {
		t.Fatal(err)
	}
	local := writeFile(t, t.TempDir(), "lookup.csv", []byte("sku,price\n"), 0o644)
	cfg := Config{Root: c.URL() + "/user/spindle/staging", AppID: "application_5_0001"}
	srcs, err := ParseSources([]string{c.URL() + "/jobs/retail#retail", local}, false)
	if err != nil {
		t.Fatal(err)
	}
	srcs[0].Executable = true
	res, err := StageSources(ctx, cfg, srcs)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]byte{job, []byte("sku,price\n")} {
		u, err := url.Parse(res[i].GetUri())
		if err != nil || u.Scheme != "hdfs" || u.Host != c.Addr() {
			t.Fatalf("resource %d URI %q: want hdfs://%s/…", i, res[i].GetUri(), c.Addr())
		}
		if dir := path.Dir(u.Path); dir != "/user/spindle/staging/"+DirName+"/"+cfg.AppID {
			t.Errorf("resource %d staged in %s", i, dir)
		}
		got, err := st.ReadFile(ctx, u.Path)
		if err != nil || !bytes.Equal(got, want) || res[i].GetSha256() != sha256Hex(want) || res[i].GetSize() != int64(len(want)) {
			t.Errorf("resource %d: staged %d bytes (err %v), sha %s; want %d bytes, sha %s", i, len(got), err, res[i].GetSha256(), len(want), sha256Hex(want))
		}
	}
	if !res[0].GetExecutable() || res[1].GetExecutable() {
		t.Errorf("executable = %v, %v; want the job only", res[0].GetExecutable(), res[1].GetExecutable())
	}
	if err := Remove(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Exists(ctx, "/user/spindle/staging/"+DirName+"/"+cfg.AppID); err != nil || ok {
		t.Errorf("app dir still there after Remove (exists %v, err %v)", ok, err)
	}
}

func TestStageHTTPS(t *testing.T) {
	body := bytes.Repeat([]byte("lookup "), 50000)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/lookup.csv":
			w.Write(body)
		case "/broken":
			w.Header().Set("Content-Length", "1000000")
			w.Write([]byte("only part"))
			// Returning with fewer bytes than promised breaks the body.
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg, root := testConfig(t, "app")
	cfg.HTTPClient = srv.Client()
	ctx := context.Background()

	res, err := Stage(ctx, cfg, []string{srv.URL + "/lookup.csv#lookup"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].GetName() != "lookup" || res[0].GetSha256() != sha256Hex(body) {
		t.Fatalf("staged %+v, want name lookup with the body's SHA-256", res[0])
	}

	for _, tc := range []struct{ spec, msg string }{
		{srv.URL + "/missing", "404"},
		{srv.URL + "/broken", "unexpected EOF"},
		{strings.Replace(srv.URL, "https", "http", 1) + "/lookup.csv", "use https://"},
	} {
		_, err := Stage(ctx, Config{Root: cfg.Root, AppID: "other", HTTPClient: srv.Client()}, []string{tc.spec})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Stage(%s) = %v, want an error mentioning %q", tc.spec, err, tc.msg)
		}
	}
	if got := dirEntries(t, root+"/"+DirName+"/other"); len(got) != 0 {
		t.Errorf("failed downloads left %v", got)
	}
}

// TestStageStopsOnCancel cancels while a download streams: the copy stops
// and leaves nothing.
func TestStageStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for i := 0; r.Context().Err() == nil; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if i == 10 {
				cancel()
			}
		}
	}))
	defer srv.Close()
	cfg, root := testConfig(t, "app")
	cfg.HTTPClient = srv.Client()
	_, err := Stage(ctx, cfg, []string{srv.URL + "/endless"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage = %v, want context.Canceled", err)
	}
	if got := dirEntries(t, root+"/"+DirName+"/app"); len(got) != 0 {
		t.Errorf("cancelled Stage left %v", got)
	}
}
