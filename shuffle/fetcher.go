package shuffle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/grpc"
)

// FetcherConfig configures a Fetcher.
type FetcherConfig struct {
	// AppID is the application whose blocks are fetched.
	AppID string
	// Secret is the application's shuffle secret.
	Secret []byte
	// DialOptions carry the transport's credentials.
	DialOptions []grpc.DialOption
	// Timeout bounds one fetch from one address (spark.network.timeout).
	Timeout time.Duration
	// Now is the clock; nil = time.Now.
	Now func() time.Time
}

// Fetcher fetches blocks from shuffle services, one connection per
// address. It is safe for concurrent use.
type Fetcher struct {
	cfg   FetcherConfig
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// NewFetcher returns a fetcher; Close releases its connections.
func NewFetcher(cfg FetcherConfig) (*Fetcher, error) {
	if cfg.AppID == "" || len(cfg.Secret) < SecretBytes {
		return nil, errors.New("shuffle: a fetcher needs the application id and its shuffle secret")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Fetcher{cfg: cfg, conns: map[string]*grpc.ClientConn{}}, nil
}

// FetchError is a fetch that failed: the blocks it did not get from Addr,
// which the reduce task reports so that the driver runs the map tasks
// that wrote them again.
type FetchError struct {
	Addr   string
	Blocks []BlockID
	Err    error
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("shuffle: fetch %d blocks from %s (first: %s): %v", len(e.Blocks), e.Addr, e.Blocks[0], e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// Fetch returns the blocks from the shuffle service at addr, in order,
// each checked against its checksum. Any failure is a *FetchError.
func (f *Fetcher) Fetch(ctx context.Context, addr string, blocks []BlockID) ([][]byte, error) {
	if len(blocks) == 0 {
		return nil, nil
	}
	out := make([][]byte, 0, len(blocks))
	fail := func(err error) ([][]byte, error) {
		return nil, &FetchError{Addr: addr, Blocks: blocks[len(out):], Err: err}
	}
	conn, err := f.conn(addr)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req := &pb.FetchBlocksRequest{AppId: f.cfg.AppID, IssuedUnixMs: f.cfg.Now().UnixMilli()}
	for _, b := range blocks {
		req.Blocks = append(req.Blocks, b.toProto())
	}
	req.Auth = Sign(f.cfg.Secret, req)
	stream, err := pb.NewShuffleClient(conn).FetchBlocks(ctx, req)
	if err != nil {
		return fail(err)
	}
	var cur []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		if int(msg.GetBlock()) != len(out) {
			return fail(fmt.Errorf("%w: got part of block %d while expecting block %d", ErrCorrupt, msg.GetBlock(), len(out)))
		}
		cur = append(cur, msg.GetData()...)
		if !msg.GetLast() {
			continue
		}
		if got := Checksum(cur); got != msg.GetCrc32C() {
			return fail(fmt.Errorf("%w: %s arrived with checksum %08x, sent as %08x", ErrCorrupt, blocks[len(out)], got, msg.GetCrc32C()))
		}
		out = append(out, cur)
		cur = nil
	}
	if len(out) != len(blocks) {
		return fail(fmt.Errorf("%w: the stream ended after %d of %d blocks", ErrCorrupt, len(out), len(blocks)))
	}
	return out, nil
}

func (f *Fetcher) conn(addr string) (*grpc.ClientConn, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.conns[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(addr, f.cfg.DialOptions...)
	if err != nil {
		return nil, err
	}
	f.conns[addr] = c
	return c, nil
}

// Close closes the fetcher's connections.
func (f *Fetcher) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = map[string]*grpc.ClientConn{}
}
