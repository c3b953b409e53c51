package launch

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

// goodSHA is a well-formed SHA-256.
var goodSHA = strings.Repeat("ab", 32)

func goodSpec() Spec {
	var settings conf.AppConf
	if err := settings.Set("spark.app.name", "retail"); err != nil {
		panic(err)
	}
	return Spec{
		Conf:        map[string]string{"spark.app.name": "retail"},
		Settings:    settings,
		Application: "retail",
		Args:        []string{"--fast"},
		Resources: []Resource{
			{Name: "retail", URI: "file:///s/retail", SHA256: goodSHA, Size: 10, Executable: true},
			{Name: "app.conf", URI: "file:///s/app.conf", SHA256: goodSHA, Size: 0},
		},
	}
}

func TestReadSpecRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := goodSpec()
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SpecFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadSpec = %+v, want %+v", got, want)
	}
	job, err := got.JobResource()
	if err != nil || job.Name != "retail" || !job.Executable {
		t.Fatalf("JobResource = %+v, %v", job, err)
	}
}

func TestReadSpecMissing(t *testing.T) {
	if _, err := ReadSpec(t.TempDir()); !errors.Is(err, ErrBadSpec) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrBadSpec and ErrNotExist", err)
	}
}

func TestDecodeSpecRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Spec)
		want string
	}{
		"no application":        {func(s *Spec) { s.Application = "" }, `application: "" is not a plain file name`},
		"application with path": {func(s *Spec) { s.Application = "../retail" }, `application: "../retail" is not a plain file name`},
		"resource outside dir":  {func(s *Spec) { s.Resources[1].Name = "/etc/passwd" }, `resources[1]: "/etc/passwd" is not a plain file name`},
		"dot dot":               {func(s *Spec) { s.Resources[1].Name = ".." }, `resources[1]: ".." is not a plain file name`},
		"twice":                 {func(s *Spec) { s.Resources[1].Name = "retail" }, `resources[1]: "retail" is staged twice`},
		"no uri":                {func(s *Spec) { s.Resources[0].URI = "" }, `resources[0] "retail": no uri`},
		"bad sha":               {func(s *Spec) { s.Resources[0].SHA256 = "zz" }, `sha256 "zz" is not 64 hexadecimal digits`},
		"negative size":         {func(s *Spec) { s.Resources[1].Size = -1 }, `size -1 is negative`},
	} {
		t.Run(name, func(t *testing.T) {
			s := goodSpec()
			tc.edit(&s)
			raw, _ := json.Marshal(s)
			_, err := DecodeSpec(raw, "spec.json")
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.json") {
				t.Fatalf("err = %v, want ErrBadSpec naming spec.json and %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeSpec([]byte(`{"conf":`), "spec.json"); !errors.Is(err, ErrBadSpec) {
		t.Fatalf("truncated JSON: err = %v, want ErrBadSpec", err)
	}
	// The typed settings are checked again: a value submit would refuse
	// is refused here too.
	raw := []byte(`{"application":"job","settings":{"spark.executor.instances":0}}`)
	if _, err := DecodeSpec(raw, "spec.json"); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "spark.executor.instances") {
		t.Fatalf("bad settings: err = %v, want ErrBadSpec naming the key", err)
	}
}

func TestDecodeSpecWithoutSettings(t *testing.T) {
	// A spec from a submit older than the typed settings: they are read
	// from its configuration.
	raw := []byte(`{"conf":{"spark.executor.instances":"5","spark.myjob.mode":"x"},"application":"job"}`)
	s, err := DecodeSpec(raw, "spec.json")
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Settings.Int(conf.KeyExecutorInstances); n != 5 {
		t.Fatalf("executors = %d, want 5 from the configuration", n)
	}
	raw = []byte(`{"conf":{"spark.executor.instances":"many"},"application":"job"}`)
	if _, err := DecodeSpec(raw, "spec.json"); !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), "spark.executor.instances") {
		t.Fatalf("err = %v, want ErrBadSpec naming the key", err)
	}
}

func TestJobResourceMissing(t *testing.T) {
	s := goodSpec()
	s.Application = "other"
	if _, err := s.JobResource(); err == nil || !strings.Contains(err.Error(), "other") {
		t.Fatalf("err = %v, want one naming the job binary", err)
	}
}

func TestSpecResourceFromEnv(t *testing.T) {
	t.Setenv(EnvSpecURI, "")
	if r := SpecResourceFromEnv(); r != nil {
		t.Fatalf("without %s: %v, want nil", EnvSpecURI, r)
	}
	t.Setenv(EnvSpecURI, "file:///s/"+SpecFile)
	t.Setenv(EnvSpecSHA256, goodSHA)
	t.Setenv(EnvSpecSize, "42")
	r := SpecResourceFromEnv()
	if len(r) != 1 || r[0].GetName() != SpecFile || r[0].GetSize() != 42 || r[0].GetSha256() != goodSHA {
		t.Fatalf("SpecResourceFromEnv = %v", r)
	}
}

func TestNotCountedAgainstAttempts(t *testing.T) {
	for status, want := range map[int32]bool{
		ExitAborted: true, ExitDisksFailed: true, ExitPreempted: true, ExitKilledByResourceManager: true,
		ExitSuccess: false, 1: false, 137: false, ExitKilledExceededPMem: false, ExitKilledByAppMaster: false, ExitInvalid: false,
	} {
		if got := NotCountedAgainstAttempts(status); got != want {
			t.Errorf("NotCountedAgainstAttempts(%d) = %v, want %v", status, got, want)
		}
	}
}
