package launcher

import (
	"errors"
	"strings"
	"testing"
)

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	valid := func() Spec {
		return Spec{
			ContainerID: "container_1_0001_01_000002",
			WorkDir:     "/var/spindle/work/c2",
			LogDir:      "/var/spindle/logs/c2",
			Command:     []string{"/bin/true"},
			Env:         map[string]string{"CONTAINER_ID": "container_1_0001_01_000002"},
		}
	}
	tests := []struct {
		name   string
		modify func(*Spec)
		// wantIn lists substrings the error must contain; nil means valid.
		wantIn []string
	}{
		{name: "valid", modify: func(*Spec) {}},
		{name: "no container id", modify: func(s *Spec) { s.ContainerID = "" }, wantIn: []string{"ContainerID"}},
		{name: "no work dir", modify: func(s *Spec) { s.WorkDir = "" }, wantIn: []string{"WorkDir", "container_1_0001_01_000002"}},
		{name: "relative work dir", modify: func(s *Spec) { s.WorkDir = "work" }, wantIn: []string{"WorkDir", "absolute", "container_1_0001_01_000002"}},
		{name: "no log dir", modify: func(s *Spec) { s.LogDir = "" }, wantIn: []string{"LogDir", "container_1_0001_01_000002"}},
		{name: "relative log dir", modify: func(s *Spec) { s.LogDir = "logs/c2" }, wantIn: []string{"LogDir", "absolute"}},
		{name: "nil command", modify: func(s *Spec) { s.Command = nil }, wantIn: []string{"Command", "container_1_0001_01_000002"}},
		{name: "empty argv0", modify: func(s *Spec) { s.Command = []string{"", "x"} }, wantIn: []string{"Command"}},
		{name: "env key with equals", modify: func(s *Spec) { s.Env["A=B"] = "c" }, wantIn: []string{"Env", `"A=B"`}},
		{name: "empty env key", modify: func(s *Spec) { s.Env[""] = "c" }, wantIn: []string{"Env"}},
		{name: "env key with NUL", modify: func(s *Spec) { s.Env["A\x00"] = "c" }, wantIn: []string{"Env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := valid()
			tt.modify(&s)
			err := s.Validate()
			if tt.wantIn == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("Validate() = %v, want ErrInvalidSpec", err)
			}
			for _, want := range tt.wantIn {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to mention %q", err, want)
				}
			}
		})
	}
}
