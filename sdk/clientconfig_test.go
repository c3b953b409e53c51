package sdk

import (
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

func TestClientConfigValidate(t *testing.T) {
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	valid := func() ClientConfig {
		c := DefaultClientConfig()
		c.Path, c.SHA256, c.AppLog = "/opt/jobs/wordcount", sum, io.Discard
		return c
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	started := exec.Command("/bin/true")
	if err := started.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(*ClientConfig)
		want   string
	}{
		{"no binary", func(c *ClientConfig) { c.Path = "" }, "set Path or Cmd"},
		{"both", func(c *ClientConfig) { c.Cmd = exec.Command("/bin/true") }, "set one"},
		{"cmd without path", func(c *ClientConfig) { c.Path, c.Cmd = "", &exec.Cmd{} }, "Cmd has no Path"},
		{"cmd already run", func(c *ClientConfig) { c.Path, c.Cmd = "", started }, "already been started"},
		{"no app log", func(c *ClientConfig) { c.AppLog = nil }, "io.Discard"},
		{"no timeout", func(c *ClientConfig) { c.StartTimeout = 0 }, "StartTimeout"},
		{"no checksum", func(c *ClientConfig) { c.SHA256 = "" }, "64 hex digits"},
		{"short checksum", func(c *ClientConfig) { c.SHA256 = sum[:62] }, "64 hex digits"},
		{"not hex", func(c *ClientConfig) { c.SHA256 = strings.Repeat("z", 64) }, "64 hex digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want ErrInvalidConfig mentioning %q", err, tc.want)
			}
		})
	}
	c := valid()
	c.Path, c.Cmd = "", exec.Command("/bin/true")
	if err := c.Validate(); err != nil {
		t.Errorf("config with Cmd: %v", err)
	}
}
