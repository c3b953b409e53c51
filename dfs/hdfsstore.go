package dfs

import (
	"context"
	"errors"
	"fmt"
	"github.com/spindlehq/spindle/internal/ctxio"
	"io"
	"net"
	"net/url"
	"os"
	"os/user"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

func init() {
	openHDFS = openHDFSURI
}

// openHDFSURI opens the HDFS store for hdfs://authority/...: the authority
// is a NameNode host[:port], a nameservice ID of hdfs-site.xml, or empty
// for core-site.xml's fs.defaultFS. A user name in the URI
// (hdfs://user@nn:8020/) overrides HADOOP_USER_NAME.
func openHDFSURI(ctx context.Context, u *url.URL) (Store, error) {
	cfg := DefaultHDFSConfig()
	if u.Host != "" {
		cfg.Addresses = []string{u.Host}
	}
	if u.User != nil {
		cfg.User = u.User.Username()
	}
	return NewHDFSStore(ctx, cfg)
}

// Names HDFS and its Java client use.
const (
	// copyingSuffix marks a file being written, as `hdfs dfs -put` does.
	copyingSuffix = "._COPYING_"
	// defaultNamenodePort is dfs.namenode.rpc-address's default port.
	defaultNamenodePort = "8020"
	hdfsDirMode         = 0o755
)

// Exceptions after which the same call may succeed: another NameNode of an
// HA pair becoming active, a NameNode leaving safe mode, or a DataNode
// reporting the block just written.
var transientExceptions = map[string]bool{
	"org.apache.hadoop.ipc.StandbyException":                           true,
	"org.apache.hadoop.ipc.RetriableException":                         true,
	"org.apache.hadoop.hdfs.server.namenode.SafeModeException":         true,
	"org.apache.hadoop.hdfs.server.namenode.NotReplicatedYetException": true,
}

var errHDFSStoreClosed = errors.New("dfs: HDFS store is closed")

// errNoNamenode is returned when neither the URI nor fs.defaultFS names a
// NameNode.
var errNoNamenode = errors.New("dfs: no HDFS namenode: name one in the URI (hdfs://host:port/path) or set fs.defaultFS in core-site.xml")

// HDFSConfig configures an HDFS Store.
type HDFSConfig struct {
	// Addresses are the NameNodes: host:port RPC addresses, a host (port
	// 8020), or nameservice IDs that hdfs-site.xml maps to NameNodes
	// (dfs.ha.namenodes.<ns>, dfs.namenode.rpc-address.<ns>.<nn>). Empty
	// means core-site.xml's fs.defaultFS.
	Addresses []string
	// User is the HDFS user; empty means HADOOP_USER_NAME, else the OS user.
	User string
	// Retries is how many times an operation is retried after a transient
	// failure (connection refused or reset, timeout, standby NameNode).
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// further retry, up to MaxBackoff.
	Backoff time.Duration
	// MaxBackoff caps the wait between retries.
	MaxBackoff time.Duration
	// DialTimeout bounds each connection attempt to a NameNode or DataNode.
	DialTimeout time.Duration
	// IOTimeout is the longest one read or write on a NameNode or DataNode
	// connection may wait for the peer before the operation fails (and is
	// retried).
	IOTimeout time.Duration
	// Logger receives retries and failures.
	Logger *zap.Logger
}

// DefaultHDFSConfig returns a configuration that retries 4 times from 200ms
// and finds the NameNode in core-site.xml's fs.defaultFS.
func DefaultHDFSConfig() HDFSConfig {
	return HDFSConfig{
		Retries:     4,
		Backoff:     200 * time.Millisecond,
		MaxBackoff:  5 * time.Second,
		DialTimeout: 10 * time.Second,
		IOTimeout:   60 * time.Second,
		Logger:      zap.NewNop(),
	}
}

// Validate reports the first invalid field.
func (c HDFSConfig) Validate() error {
	switch {
	case c.Retries < 0:
		return fmt.Errorf("dfs: HDFS retries %d: want 0 or more", c.Retries)
	case c.Backoff <= 0 || c.MaxBackoff < c.Backoff:
		return fmt.Errorf("dfs: HDFS backoff %v up to %v: want positive, max at least the first", c.Backoff, c.MaxBackoff)
	case c.DialTimeout <= 0 || c.IOTimeout <= 0:
		return fmt.Errorf("dfs: HDFS dial timeout %v and I/O timeout %v must be positive", c.DialTimeout, c.IOTimeout)
	case c.Logger == nil:
		return errors.New("dfs: HDFS logger must be set")
	}
	for _, a := range c.Addresses {
		if strings.TrimSpace(a) == "" {
			return errors.New("dfs: empty HDFS namenode address")
		}
	}
	return nil
}

// HDFSStore is a Store on HDFS through the colinmarc/hdfs client. Paths are
// HDFS paths. Writes go to "<path>._COPYING_", which is closed (all blocks
// acknowledged by the DataNodes and the file completed on the NameNode)
// and then renamed over path, so readers see the old file or the new one.
//
// Operations that fail on a transient error are retried with exponential
// backoff on a fresh connection; once the retries are spent the error names
// the NameNode addresses. An HDFSStore is safe for concurrent use. Rename's
// "target must not exist" check is not atomic against another client
// creating the target.
type HDFSStore struct {
	cfg       HDFSConfig
	opts      hdfs.ClientOptions
	namenodes string // for messages
	log       *zap.Logger

	mu     sync.Mutex
	client *hdfs.Client
	closed bool
}

var _ Store = (*HDFSStore)(nil)

// NewHDFSStore connects to HDFS as cfg says, with the rest of the client
// configuration (DataNode host names, data transfer protection) from
// core-site.xml and hdfs-site.xml, found where every Spindle command looks
// for Hadoop's files (conf.Discover: SPINDLE_CONF_DIR, YARN_CONF_DIR,
// HADOOP_CONF_DIR, else HADOOP_HOME's).
func NewHDFSStore(ctx context.Context, cfg HDFSConfig) (*HDFSStore, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	search := conf.Discover(conf.SearchDir{}, os.LookupEnv)
	hconf, _, err := conf.HadoopClientConf(search, nil)
	if err != nil {
		return nil, fmt.Errorf("dfs: Hadoop client configuration: %w", err)
	}
	opts := hdfs.ClientOptionsFromConf(hconf)
	if opts.KerberosClient != nil {
		return nil, errors.New("dfs: hadoop.security.authentication is kerberos: only simple authentication is supported")
	}
	opts.Addresses, err = resolveNamenodes(hconf, cfg.Addresses)
	if errors.Is(err, errNoNamenode) {
		err = fmt.Errorf("%w; looked for %s in: %s", err, conf.FileCoreSite, strings.Join(search.LookedIn(conf.FileCoreSite), "; "))
	}
	if err != nil {
		return nil, err
	}
	opts.User, err = hdfsUser(cfg.User)
	if err != nil {
		return nil, err
	}
	dial := timeoutDialer(cfg.DialTimeout, cfg.IOTimeout)
	opts.NamenodeDialFunc, opts.DatanodeDialFunc = dial, dial
	s := &HDFSStore{
		cfg:       cfg,
		opts:      opts,
		namenodes: strings.Join(opts.Addresses, ","),
		log:       cfg.Logger,
	}
	// Connect now so that a wrong address fails here, not at the first write.
	if err := s.do(ctx, "connect", "/", func(*hdfs.Client) error { return nil }); err != nil {
		return nil, err
	}
	return s, nil
}

// resolveNamenodes turns configured addresses into NameNode RPC addresses.
func resolveNamenodes(hc hadoopconf.HadoopConf, addrs []string) ([]string, error) {
	if len(addrs) == 0 {
		def := hc["fs.defaultFS"]
		if def == "" {
			def = hc["fs.default.name"]
		}
		u, err := url.Parse(def)
		switch {
		case def == "":
			return nil, errNoNamenode
		case err != nil || u.Host == "":
			return nil, fmt.Errorf("dfs: fs.defaultFS %q names no namenode", def)
		}
		addrs = []string{u.Host}
	}
	var out []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err == nil {
			out = append(out, a)
			continue
		}
		if ids := hc["dfs.ha.namenodes."+a]; ids != "" {
			for _, id := range strings.Split(ids, ",") {
				key := "dfs.namenode.rpc-address." + a + "." + strings.TrimSpace(id)
				rpc := hc[key]
				if rpc == "" {
					return nil, fmt.Errorf("dfs: nameservice %s: %s is not set", a, key)
				}
				out = append(out, rpc)
			}
			continue
		}
		if rpc := hc["dfs.namenode.rpc-address."+a]; rpc != "" {
			out = append(out, rpc)
			continue
		}
		out = append(out, net.JoinHostPort(a, defaultNamenodePort))
	}
	return out, nil
}

// hdfsUser is the configured user, else HADOOP_USER_NAME, else the OS user,
// as Hadoop's simple authentication picks it.
func hdfsUser(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
		return u, nil
	}
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("dfs: HDFS user: set HADOOP_USER_NAME: %w", err)
	}
	return u.Username, nil
}

// timeoutDialer dials with a timeout and bounds every read and write on the
// connection, so that a NameNode or DataNode that stops answering fails the
// operation instead of hanging it.
func timeoutDialer(dialTimeout, ioTimeout time.Duration) func(context.Context, string, string) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &timeoutConn{Conn: c, timeout: ioTimeout}, nil
	}
}

// timeoutConn applies the earlier of its per-call timeout and any deadline
// the client set.
type timeoutConn struct {
	net.Conn
	timeout time.Duration

	mu            sync.Mutex
	readDeadline  time.Time
	writeDeadline time.Time
}

func earliest(set time.Time, timeout time.Duration) time.Time {
	t := time.Now().Add(timeout)
	if !set.IsZero() && set.Before(t) {
		return set
	}
	return t
}

func (c *timeoutConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	dl := earliest(c.readDeadline, c.timeout)
	c.mu.Unlock()
	if err := c.Conn.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *timeoutConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	dl := earliest(c.writeDeadline, c.timeout)
	c.mu.Unlock()
	if err := c.Conn.SetWriteDeadline(dl); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *timeoutConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline, c.writeDeadline = t, t
	c.mu.Unlock()
	return nil
}

func (c *timeoutConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	return nil
}

func (c *timeoutConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return nil
}

// connect returns the shared client, connecting one if there is none.
func (s *HDFSStore) connect() (*hdfs.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errHDFSStoreClosed
	}
	if s.client != nil {
		return s.client, nil
	}
	c, err := hdfs.NewClient(s.opts)
	if err != nil {
		return nil, err
	}
	// The client caches the server defaults, unsynchronized, on first use;
	// fetching them before sharing it keeps concurrent first writes from
	// racing on that cache.
	if _, err := c.ServerDefaults(); err != nil {
		_ = c.Close()
		return nil, err
	}
	s.client = c
	return c, nil
}

// discard drops a client whose connection failed; the next operation
// connects afresh rather than wait out the client's own per-NameNode
// backoff.
func (s *HDFSStore) discard(c *hdfs.Client) {
	s.mu.Lock()
	if s.client != c {
		s.mu.Unlock()
		return // already replaced by another operation
	}
	s.client = nil
	s.mu.Unlock()
	// Close waits for calls in flight on this client, each bounded by the
	// I/O timeout; the caller need not.
	go func() { _ = c.Close() }()
}

// permanentError stops retries of an error that a retry cannot cure, such
// as the caller's reader failing.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// isTransient reports whether err may go away when the operation is
// retried on a new connection.
func isTransient(err error) bool {
	var perm permanentError
	if errors.As(err, &perm) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrExist) ||
		errors.Is(err, os.ErrPermission) || errors.Is(err, errHDFSStoreClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var remote hdfs.Error
	if errors.As(err, &remote) {
		return transientExceptions[remote.Exception()]
	}
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, hdfs.ErrReplicating),
		errors.As(err, &netErr) && netErr.Timeout():
		return true
	}
	// The client reports "no available namenodes: <dial error>" with the
	// dial error formatted as text, so only the text tells.
	return strings.Contains(err.Error(), "no available namenodes")
}

// do runs fn with a connected client, retrying on transient errors with
// exponential backoff, and maps the final error for op on p.
func (s *HDFSStore) do(ctx context.Context, op, p string, fn func(*hdfs.Client) error) error {
	wait := s.cfg.Backoff
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s %s: %w", op, p, err)
		}
		c, err := s.connect()
		if err == nil {
			if err = fn(c); err == nil {
				return nil
			}
		}
		if !isTransient(err) {
			return s.mapErr(op, p, err)
		}
		if c != nil {
			s.discard(c)
		}
		if attempt > s.cfg.Retries {
			if strings.Contains(err.Error(), "no available namenodes") {
				return fmt.Errorf("%s %s: HDFS namenode %s unreachable after %d attempts: %w", op, p, s.namenodes, attempt, err)
			}
			return fmt.Errorf("%s %s: HDFS (namenode %s) still failing after %d attempts: %w", op, p, s.namenodes, attempt, err)
		}
		s.log.Warn("HDFS operation failed, retrying", zap.String("op", op), zap.String("path", p),
			zap.String("namenode", s.namenodes), zap.Int("attempt", attempt), zap.Duration("backoff", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s %s: %w (after: %v)", op, p, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, s.cfg.MaxBackoff)
	}
}

// mapErr names the operation and path and maps the client's "does not
// exist" and "exists" to ErrNotFound and ErrExists.
func (s *HDFSStore) mapErr(op, p string, err error) error {
	var perm permanentError
	if errors.As(err, &perm) {
		err = perm.err
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s %s: %w", op, p, ErrNotFound)
	case errors.Is(err, os.ErrExist):
		return fmt.Errorf("%s %s: %w", op, p, ErrExists)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err // its path repeats p
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
}

// clean checks a store path; HDFS paths are store paths as they are.
func (s *HDFSStore) clean(op, p string) (string, error) {
	clean, err := CleanPath(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return clean, nil
}

// ReadFile returns the whole content of path.
func (s *HDFSStore) ReadFile(ctx context.Context, p string) ([]byte, error) {
	clean, err := s.clean("read", p)
	if err != nil {
		return nil, err
	}
	var data []byte
	err = s.do(ctx, "read", clean, func(c *hdfs.Client) error {
		f, err := s.openFile(ctx, c, clean)
		if err != nil {
			return err
		}
		defer f.Close()
		data, err = io.ReadAll(ctxio.Reader(ctx, f))
		return err
	})
	return data, err
}

func (s *HDFSStore) openFile(ctx context.Context, c *hdfs.Client, clean string) (*hdfs.FileReader, error) {
	f, err := c.Open(clean)
	if err != nil {
		return nil, err
	}
	if f.Stat().IsDir() {
		_ = f.Close()
		return nil, permanentError{errors.New("is a directory")}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = f.SetDeadline(dl)
	}
	return f, nil
}

// Open streams path; the caller closes the reader. ctx bounds the opening
// and, through its deadline if it has one, the reads.
func (s *HDFSStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	clean, err := s.clean("open", p)
	if err != nil {
		return nil, err
	}
	var f *hdfs.FileReader
	err = s.do(ctx, "open", clean, func(c *hdfs.Client) error {
		opened, err := s.openFile(ctx, c, clean)
		f = opened
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// WriteFile writes data to path atomically, creating parent directories and
// replacing an existing file.
func (s *HDFSStore) WriteFile(ctx context.Context, p string, data []byte) error {
	_, err := s.write(ctx, p, func(w io.Writer) (int64, bool, error) {
		if len(data) == 0 {
			return 0, false, nil // an empty Write would still allocate a block
		}
		n, err := w.Write(data)
		return int64(n), false, err
	})
	return err
}

// WriteFrom streams r to path atomically, like WriteFile, and returns the
// number of bytes written. A failed attempt is retried only while nothing
// has been read from r.
func (s *HDFSStore) WriteFrom(ctx context.Context, p string, r io.Reader) (int64, error) {
	cr := &countingReader{r: ctxio.Reader(ctx, r)}
	return s.write(ctx, p, func(w io.Writer) (int64, bool, error) {
		n, err := io.Copy(w, cr)
		return n, cr.n > 0, err
	})
}

// write fills "<path>._COPYING_" and renames it over path. fill reports
// whether it consumed input that a retry could not replay.
func (s *HDFSStore) write(ctx context.Context, p string, fill func(io.Writer) (int64, bool, error)) (int64, error) {
	clean, err := s.clean("write", p)
	if err != nil {
		return 0, err
	}
	if clean == "/" {
		return 0, fmt.Errorf("write %s: the root is a directory: %w", clean, ErrInvalidPath)
	}
	tmp := clean + copyingSuffix
	var written int64
	err = s.do(ctx, "write", clean, func(c *hdfs.Client) error {
		if err := c.MkdirAll(path.Dir(clean), hdfsDirMode); err != nil {
			return err
		}
		// A temporary file left by a writer that died is replaced.
		if err := c.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		fw, err := c.Create(tmp)
		if err != nil {
			return err
		}
		if dl, ok := ctx.Deadline(); ok {
			_ = fw.SetDeadline(dl)
		}
		w := &errWriter{w: fw}
		n, consumed, err := fill(w)
		if err != nil {
			s.abandon(c, fw, tmp)
			if w.err == nil || consumed {
				// The reader failed, or its data is gone: no retry.
				return permanentError{err}
			}
			return err
		}
		if err := s.closeWriter(ctx, fw); err != nil {
			s.abandon(c, nil, tmp)
			if consumed {
				return permanentError{err}
			}
			return err
		}
		if err := c.Rename(tmp, clean); err != nil {
			s.abandon(c, nil, tmp)
			if consumed {
				return permanentError{err}
			}
			return err
		}
		written = n
		return nil
	})
	return written, err
}

// closeWriter closes fw, calling Close again while the NameNode reports the
// file's blocks not yet replicated, as the Java client does.
func (s *HDFSStore) closeWriter(ctx context.Context, fw *hdfs.FileWriter) error {
	wait := s.cfg.Backoff
	for attempt := 0; ; attempt++ {
		err := fw.Close()
		if !hdfs.IsErrReplicating(err) || attempt >= s.cfg.Retries {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, s.cfg.MaxBackoff)
	}
}

// abandon closes a failed writer (ending its DataNode stream) and removes
// the temporary file; failures here leave a "._COPYING_" file that the next
// write replaces.
func (s *HDFSStore) abandon(c *hdfs.Client, fw *hdfs.FileWriter, tmp string) {
	if fw != nil {
		_ = fw.Close()
	}
	if err := c.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("HDFS temporary file not removed", zap.String("path", tmp), zap.Error(err))
	}
}

// errWriter remembers the first write error, telling a failing destination
// from a failing source in io.Copy.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// List returns the entries of directory dir, sorted by name.
func (s *HDFSStore) List(ctx context.Context, dir string) ([]FileInfo, error) {
	clean, err := s.clean("list", dir)
	if err != nil {
		return nil, err
	}
	var out []FileInfo
	err = s.do(ctx, "list", clean, func(c *hdfs.Client) error {
		fis, err := c.ReadDir(clean)
		if err != nil {
			return err
		}
		out = make([]FileInfo, 0, len(fis))
		for _, fi := range fis {
			out = append(out, hdfsFileInfo(path.Join(clean, fi.Name()), fi))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Stat describes path.
func (s *HDFSStore) Stat(ctx context.Context, p string) (FileInfo, error) {
	clean, err := s.clean("stat", p)
	if err != nil {
		return FileInfo{}, err
	}
	var out FileInfo
	err = s.do(ctx, "stat", clean, func(c *hdfs.Client) error {
		fi, err := c.Stat(clean)
		if err != nil {
			return err
		}
		out = hdfsFileInfo(clean, fi)
		return nil
	})
	return out, err
}

func hdfsFileInfo(clean string, fi os.FileInfo) FileInfo {
	return FileInfo{Name: path.Base(clean), Path: clean, Size: fi.Size(), IsDir: fi.IsDir(), ModTime: fi.ModTime()}
}

// Exists reports whether path exists.
func (s *HDFSStore) Exists(ctx context.Context, p string) (bool, error) {
	_, err := s.Stat(ctx, p)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Rename moves from to to, creating to's parent directories; from must
// exist (else ErrNotFound) and to must not (else ErrExists).
func (s *HDFSStore) Rename(ctx context.Context, from, to string) error {
	cleanFrom, err := s.clean("rename", from)
	if err != nil {
		return err
	}
	cleanTo, err := s.clean("rename", to)
	if err != nil {
		return err
	}
	if cleanFrom == "/" {
		return fmt.Errorf("rename %s: cannot move the store root: %w", cleanFrom, ErrInvalidPath)
	}
	sent := false
	return s.do(ctx, "rename", cleanFrom, func(c *hdfs.Client) error {
		_, fromErr := c.Stat(cleanFrom)
		_, toErr := c.Stat(cleanTo)
		switch {
		case sent && errors.Is(fromErr, os.ErrNotExist) && toErr == nil:
			return nil // an earlier attempt's rename went through
		case fromErr != nil:
			return fromErr
		case toErr == nil:
			return permanentError{fmt.Errorf("target %s: %w", cleanTo, ErrExists)}
		case !errors.Is(toErr, os.ErrNotExist):
			return toErr
		}
		return sendRename(c, &sent, cleanFrom, cleanTo)
	})
}

// Delete removes path, recursively for a directory; a missing path is not
// an error. Deleting the root is refused.
func (s *HDFSStore) Delete(ctx context.Context, p string) error {
	clean, err := s.clean("delete", p)
	if err != nil {
		return err
	}
	if clean == "/" {
		return fmt.Errorf("delete %s: refusing to delete the store root: %w", clean, ErrInvalidPath)
	}
	return s.do(ctx, "delete", clean, func(c *hdfs.Client) error { return c.RemoveAll(clean) })
}

// MkdirAll creates dir and its parents.
func (s *HDFSStore) MkdirAll(ctx context.Context, dir string) error {
	clean, err := s.clean("mkdir", dir)
	if err != nil {
		return err
	}
	return s.do(ctx, "mkdir", clean, func(c *hdfs.Client) error { return c.MkdirAll(clean, hdfsDirMode) })
}

// Close releases the NameNode connection; later operations fail.
func (s *HDFSStore) Close() error {
	s.mu.Lock()
	c := s.client
	s.client = nil
	s.closed = true
	s.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}
