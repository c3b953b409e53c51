package sdk

import (
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"sync"

	"go.uber.org/zap"
)

// inheritance is what a plugin process gets from its host besides its
// command line: the TLS material and the shared memory.
type inheritance struct {
	lanes   *lanePool // nil without shared memory
	tlsPipe *os.File
	once    sync.Once
}

// handOver prepares cmd to inherit the plugin's TLS material and, where
// the system allows and shared is true, the shared memory, and returns
// the host's TLS config.
func handOver(cmd *exec.Cmd, shared bool, lg *zap.Logger) (*tls.Config, *inheritance, error) {
	t, err := newPluginTLS()
	if err != nil {
		return nil, nil, err
	}
	pipe, err := t.pipe()
	if err != nil {
		return nil, nil, err
	}
	in := &inheritance{tlsPipe: pipe}
	// What a job built with an older sdk expects: go-plugin's AutoMTLS
	// against the host's certificate.
	cmd.Env = append(cmd.Env, "PLUGIN_CLIENT_CERT="+string(t.hostCertPEM))
	inheritFile(cmd, envTLSFD, pipe)
	if !shared {
		return t.config, in, nil
	}
	if in.lanes, err = newLanePool(); err != nil {
		lg.Warn("no memory shared with the job plugin; its records go over its connection", zap.Error(err))
		in.lanes = nil
	} else {
		inheritFile(cmd, envSharedFD, in.lanes.mem.file)
	}
	return t.config, in, nil
}

// inheritFile has cmd's process inherit f, with its descriptor's number
// in the environment variable env.
func inheritFile(cmd *exec.Cmd, env string, f *os.File) {
	cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	// ExtraFiles[i] becomes descriptor 3+i.
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", env, 2+len(cmd.ExtraFiles)))
}

// closeTLSPipe closes the host's end of the TLS pipe, once the plugin has
// started (or failed to).
func (in *inheritance) closeTLSPipe() {
	in.once.Do(func() { in.tlsPipe.Close() })
}
