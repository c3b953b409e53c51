package sdk

import (
	"context"
	"errors"

	"github.com/hashicorp/go-plugin"
	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc"
)

// ProtocolVersion is the version of the job plugin protocol (api/jobpb).
// A host and a job built against different versions refuse each other at
// the handshake, with an error naming both versions.
//
// Version 2 carries a partition's records and outputs column by column.
const ProtocolVersion = 2

// PluginName is the name the job is served under in the plugin map.
const PluginName = "job"

// MaxMessageBytes is the largest message either side accepts: a whole
// partition of a batch travels in one call, far beyond gRPC's 4 MiB
// default.
const MaxMessageBytes = 1 << 30

// windowBytes is the HTTP/2 flow-control window of each call and of the
// connection, on both sides. gRPC's default starts at 64 KiB and grows
// only as it measures the link, so that a partition of a few MiB would
// wait for a window update after every 64 KiB; a window larger than a
// usual partition lets it go out in one burst. The window is credit, not
// a buffer: a receiver holds no more than the messages it is decoding.
const windowBytes = 64 << 20

// transportBufferBytes sizes the connection's read and write buffers on
// both sides. gRPC's 32 KiB default cuts a 1 MB partition into some 30
// writes and as many reads, each a system call; 1 MiB moves it in one or
// two. The buffers are per connection, and a job has one.
const transportBufferBytes = 1 << 20

// Handshake is the go-plugin handshake shared by Spindle and job binaries.
// The magic cookie keeps a job binary that is run by hand from waiting
// for a host that is not there.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SPINDLE_JOB_PLUGIN",
	MagicCookieValue: "b8f4c2d6-spindle-job-plugin",
}

// errNoImpl is returned when a host-side GRPCPlugin is asked to serve.
var errNoImpl = errors.New("sdk: plugin has no job to serve")

// GRPCPlugin is the go-plugin glue for a job. Its zero value is the host
// side, as put in a plugin map given to plugin.NewClient; Serve builds the
// plugin side.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl processor
	// shared is the memory the host shared, on the plugin side.
	shared *sharedMem
}

// GRPCServer registers the job's gRPC service inside the plugin.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.impl == nil {
		return errNoImpl
	}
	s.RegisterService(jobService(), &grpcServer{impl: p.impl, shared: p.shared})
	jobpb.RegisterReceiverServer(s, &receiverServer{impl: p.impl})
	return nil
}

// GRPCClient returns the host's view of the job over conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &grpcClient{rpc: jobpb.NewJobClient(conn), conn: conn}, nil
}

// pluginMap is the plugin map of both sides.
func pluginMap(impl processor, shared *sharedMem) map[string]plugin.Plugin {
	return map[string]plugin.Plugin{PluginName: &GRPCPlugin{impl: impl, shared: shared}}
}
