package driver

import (
	"fmt"
	"net"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Server serves an Endpoint's Task protocol to executors.
type Server struct {
	lis net.Listener
	srv *grpc.Server
}

// Listen serves ep on addr (host:port; port 0 or empty picks a free one)
// to the holders of the application's key; plain text when key is nil
// (spindle.tls.insecure-plaintext). Refused connections are logged to lg.
func Listen(addr string, ep *Endpoint, key *pki.AppKey, lg *zap.Logger) (*Server, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("driver: listen for executors on %s: %w", addr, err)
	}
	s := &Server{lis: lis, srv: grpc.NewServer(pki.AppServerOption(key, lg))}
	pb.RegisterTaskServer(s.srv, ep)
	go s.srv.Serve(lis)
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.lis.Addr() }

// Stop closes the listener and every executor's session.
func (s *Server) Stop() { s.srv.Stop() }
