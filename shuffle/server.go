package shuffle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pieceBytes is the most a FetchBlocks message carries of a block.
const pieceBytes = 1 << 20

// BlockSource reads an application's blocks.
type BlockSource interface {
	// ReadBlock returns the block, checked against its index; errors
	// wrap ErrNotFound or ErrCorrupt when that is what is wrong.
	ReadBlock(appID string, id BlockID) ([]byte, error)
}

// Dirs are a node's local dirs (yarn.nodemanager.local-dirs), under which
// executors write map outputs: <dir>/<appId>/shuffle/<batchMs>/map-<n>.*.
type Dirs []string

// ReadBlock finds the map output in whichever dir holds it.
func (d Dirs) ReadBlock(appID string, id BlockID) ([]byte, error) {
	if _, err := ids.ParseApplicationID(appID); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	for _, dir := range d {
		data, index := MapFiles(BatchDir(filepath.Join(dir, appID), id.BatchMs), id.Map)
		if _, err := os.Stat(index); err != nil {
			continue
		}
		return ReadBlock(data, index, id.Stage, id.Partition)
	}
	return nil, fmt.Errorf("%w: %s of %s is on none of this node's local dirs", ErrNotFound, id, appID)
}

// RemoveApp deletes appID's map outputs from every dir.
func (d Dirs) RemoveApp(appID string) error {
	if _, err := ids.ParseApplicationID(appID); err != nil {
		return err
	}
	var errs []error
	for _, dir := range d {
		errs = append(errs, os.RemoveAll(ShuffleRoot(filepath.Join(dir, appID))))
	}
	return errors.Join(errs...)
}

// ServerConfig configures a Server.
type ServerConfig struct {
	// Blocks is where the blocks are read from.
	Blocks BlockSource
	// Secrets authenticate fetches.
	Secrets *Secrets
	// Logger receives the server's log; nil logs nothing.
	Logger *zap.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// RequireKey refuses a fetch whose connection did not prove it holds
	// the shuffle key of the application it asks for (ServerOption); off
	// only on a cluster without TLS.
	RequireKey bool
}

// Server serves the Shuffle service. Register it on a grpc.Server built
// with the transport's credentials.
type Server struct {
	pb.UnimplementedShuffleServer
	cfg ServerConfig
	lg  *zap.Logger
	// BytesServed and BlocksServed count what fetches took; Refused counts
	// fetches that were not authenticated.
	BytesServed, BlocksServed, Refused atomic.Int64
}

// NewServer checks cfg and returns a server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Blocks == nil || cfg.Secrets == nil {
		return nil, errors.New("shuffle: a server needs a block source and secrets")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	return &Server{cfg: cfg, lg: lg}, nil
}

// ServerOption is the TLS of a server of these secrets' applications:
// it presents the shuffle key a fetcher names and accepts only a fetcher
// that holds that key.
func (s *Secrets) ServerOption(lg *zap.Logger) grpc.ServerOption {
	return pki.KeyRingServerOption(s.Key, lg, "Shuffle")
}

// Register adds the Shuffle service to g.
func (s *Server) Register(g *grpc.Server) { pb.RegisterShuffleServer(g, s) }

// FetchBlocks serves one fetch.
func (s *Server) FetchBlocks(req *pb.FetchBlocksRequest, stream pb.Shuffle_FetchBlocksServer) error {
	err := s.cfg.Secrets.Verify(req, s.cfg.Now())
	if err == nil && s.cfg.RequireKey {
		err = s.cfg.Secrets.HeldBy(stream.Context(), req.GetAppId())
	}
	if err != nil {
		s.Refused.Add(1)
		s.lg.Warn("shuffle fetch refused", zap.String("app", req.GetAppId()), zap.Error(err))
		return status.Error(codes.Unauthenticated, err.Error())
	}
	for i, p := range req.GetBlocks() {
		id := blockFromProto(p)
		b, err := s.cfg.Blocks.ReadBlock(req.GetAppId(), id)
		switch {
		case errors.Is(err, ErrNotFound):
			return status.Error(codes.NotFound, err.Error())
		case errors.Is(err, ErrCorrupt):
			s.lg.Error("damaged map output", zap.String("app", req.GetAppId()), zap.Stringer("block", id), zap.Error(err))
			return status.Error(codes.DataLoss, err.Error())
		case err != nil:
			return status.Error(codes.Internal, err.Error())
		}
		crc, size := Checksum(b), len(b)
		for first := true; first || len(b) > 0; first = false {
			n := min(len(b), pieceBytes)
			msg := &pb.FetchBlocksResponse{Block: int32(i), Data: b[:n], Last: n == len(b)}
			if msg.Last {
				msg.Crc32C = crc
			}
			if err := stream.Send(msg); err != nil {
				return err
			}
			b = b[n:]
		}
		s.BlocksServed.Add(1)
		s.BytesServed.Add(int64(size))
	}
	return nil
}
