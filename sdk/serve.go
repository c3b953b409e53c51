package sdk

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
)

// sdkModule names go-plugin's own log lines inside a job binary, so that
// the host can tell them from the job's log on the same stream.
const sdkModule = "spindle-sdk"

// Serve serves job as a Spindle job plugin until the host stops it; a
// job's main calls it and nothing else. Run by hand rather than by
// Spindle, the binary explains how to submit it and exits with status 2;
// a job that implements an optional interface wrongly (see ErrInvalidJob)
// exits with status 1 after logging why.
func Serve[E any](job Job[E]) {
	if os.Getenv(Handshake.MagicCookieKey) != Handshake.MagicCookieValue {
		name := filepath.Base(os.Args[0])
		fmt.Fprintf(os.Stderr, "%s is a Spindle job: Spindle's executors run it. Submit it with\n\n\tspindle submit --master yarn %s [job arguments]\n", name, os.Args[0])
		os.Exit(2)
	}
	// go-plugin replaces os.Stderr with a pipe of its own; the host reads
	// the job's log from the process's original stderr.
	stderr := os.Stderr
	appLog, level := newAppLogger(zapcore.AddSync(stderr))
	r, err := newRunner(job, appLog, level)
	if err != nil {
		appLog.Error("invalid job", zap.Error(err))
		os.Exit(1)
	}
	lg := hclog.New(&hclog.LoggerOptions{
		Name:       sdkModule,
		Level:      hclog.Info,
		Output:     stderr,
		JSONFormat: true,
	})
	tlsCfg, err := pluginTLSFromEnv()
	if err != nil {
		lg.Error("cannot take the TLS material the host handed over", "error", err.Error())
		os.Exit(1)
	}
	var tlsProvider func() (*tls.Config, error)
	if tlsCfg != nil {
		tlsProvider = func() (*tls.Config, error) { return tlsCfg, nil }
	}
	shared, err := openSharedFromEnv()
	if err != nil {
		// The calls still work, over the connection.
		lg.Warn("cannot map the memory the host shared; records come over the connection", "error", err.Error())
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         pluginMap(r, shared),
		GRPCServer:      newGRPCServer,
		TLSProvider:     tlsProvider,
		Logger:          lg,
	})
}

// newGRPCServer is go-plugin's default server with room for a whole
// partition in one message, flow-control windows sized for it, and the
// codec that spares it copies.
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts,
		grpc.ForceServerCodecV2(codec{}),
		grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.InitialWindowSize(windowBytes), grpc.InitialConnWindowSize(windowBytes),
		grpc.ReadBufferSize(transportBufferBytes), grpc.WriteBufferSize(transportBufferBytes),
	)
	return grpc.NewServer(opts...)
}
