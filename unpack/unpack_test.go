package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entry is one archive member to write in a test.
type entry struct {
	name, body, link string
	mode             fs.FileMode
	dir, hardlink    bool
}

func tarBytes(t testing.TB, gz bool, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	var out = &buf
	var zw *gzip.Writer
	tw := tar.NewWriter(out)
	if gz {
		zw = gzip.NewWriter(out)
		tw = tar.NewWriter(zw)
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: int64(e.mode), Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch {
		case e.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case e.hardlink:
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.link, 0
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func zipBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		body := e.body
		switch {
		case e.dir:
			h.Name = strings.TrimSuffix(e.name, "/") + "/"
			h.SetMode(fs.ModeDir | 0o755)
		case e.link != "":
			h.SetMode(fs.ModeSymlink | 0o777)
			body = e.link
		default:
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unpackBytes writes data as name in a temp dir and unpacks it into
// <tmp>/out, returning the dir that holds out.
func unpackBytes(t *testing.T, name string, data []byte) (string, error) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, Archive(context.Background(), src, FormatOf(name), filepath.Join(dir, "out"))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{
		"env.tar.gz": TarGz, "ENV.TGZ": TarGz, "deps.tar": Tar, "site.zip": Zip,
		"job": None, "data.gz": None, "x.tar.gz.bak": None,
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", name, got, want)
		}
		if suf := Suffix(name); !strings.HasSuffix(name, suf) || FormatOf(suf) != want || (want == None) != (suf == "") {
			t.Errorf("Suffix(%q) = %q", name, Suffix(name))
		}
	}
}

func TestArchiveUnpacksEveryFormat(t *testing.T) {
	entries := []entry{
		{name: "conf/", dir: true},
		{name: "conf/app.properties", body: "a=1", mode: 0o640},
		{name: "bin/run", body: "#!/bin/sh\n", mode: 0o750},
		{name: "current", link: "conf/app.properties"},
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"deps.tar", tarBytes(t, false, entries...)},
		{"deps.tar.gz", tarBytes(t, true, entries...)},
		{"deps.tgz", tarBytes(t, true, entries...)},
		{"deps.zip", zipBytes(t, entries...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := unpackBytes(t, tc.name, tc.data)
			if err != nil {
				t.Fatalf("Archive: %v", err)
			}
			out := filepath.Join(dir, "out")
			if got := readFile(t, filepath.Join(out, "conf/app.properties")); got != "a=1" {
				t.Errorf("conf/app.properties = %q, want a=1", got)
			}
			if got := readFile(t, filepath.Join(out, "current")); got != "a=1" {
				t.Errorf("link current reads %q, want a=1", got)
			}
			for p, want := range map[string]fs.FileMode{"conf/app.properties": 0o644, "bin/run": 0o755} {
				fi, err := os.Stat(filepath.Join(out, p))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != want {
					t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
				}
			}
			if names := dirNames(t, dir); strings.Join(names, ",") != tc.name+",out" {
				t.Errorf("dir holds %v, want only the archive and out (no temporary dir)", names)
			}
		})
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestArchiveRefusesUnsafeEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"dotdot.tar", tarBytes(t, false, entry{name: "../evil", body: "x", mode: 0o644}), `"../evil" leaves`},
		{"abs.tar", tarBytes(t, false, entry{name: "/etc/evil", body: "x", mode: 0o644}), `"/etc/evil" leaves`},
		{"link.tar", tarBytes(t, false, entry{name: "l", link: "../../etc/passwd"}), "points outside"},
		{"abslink.zip", zipBytes(t, entry{name: "l", link: "/etc/passwd"}), "points outside"},
		{"hard.tar", tarBytes(t, false, entry{name: "h", hardlink: true, link: "x"}), "tar type"},
		{"dotdot.zip", zipBytes(t, entry{name: "a/../../evil", body: "x", mode: 0o644}), "leaves"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := unpackBytes(t, tc.name, tc.data)
			if !errors.Is(err, ErrUnsafeEntry) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Archive = %v, want ErrUnsafeEntry mentioning %s", err, tc.msg)
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("a refused archive left %v", names)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Error("an entry was written outside the target dir")
			}
		})
	}
}

func TestArchiveDamagedFails(t *testing.T) {
	good := tarBytes(t, true, entry{name: "a", body: strings.Repeat("x", 10000), mode: 0o644})
	dir, err := unpackBytes(t, "cut.tgz", good[:len(good)/2])
	if err == nil {
		t.Fatal("a truncated archive unpacked without error")
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("a failed unpack left %v", names)
	}
}

// FuzzArchive feeds arbitrary bytes as each format: unpacking either
// fails or writes only inside the target dir.
func FuzzArchive(f *testing.F) {
	f.Add(tarBytes(f, false, entry{name: "a/b", body: "x", mode: 0o755}, entry{name: "l", link: "a/b"}), uint8(0))
	f.Add(tarBytes(f, true, entry{name: "x", body: "y", mode: 0o644}), uint8(1))
	f.Add(zipBytes(f, entry{name: "d/", dir: true}, entry{name: "d/f", body: "z", mode: 0o644}), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		name := []string{"f.tar", "f.tgz", "f.zip"}[int(kind)%3]
		parent := t.TempDir()
		dir := filepath.Join(parent, "work")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(parent, name)
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = Archive(context.Background(), src, FormatOf(name), filepath.Join(dir, "out"))
		ents, err := os.ReadDir(parent)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() != "work" && e.Name() != name {
				t.Fatalf("unpacking wrote %q outside the working dir", e.Name())
			}
		}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink == 0 {
				return err
			}
			target, err := filepath.EvalSymlinks(p)
			if err == nil && !strings.HasPrefix(target, dir+string(filepath.Separator)) {
				t.Fatalf("link %s resolves to %s, outside %s", p, target, dir)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
