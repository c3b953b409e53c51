package minihdfs

import (
	"errors"
	"net"
	"sync"

	"go.uber.org/zap"
)

// tcpServer accepts connections and runs a handler for each, and on close
// drops every open connection: what a process exit does to a real daemon.
type tcpServer struct {
	ln     net.Listener
	log    *zap.Logger
	handle func(net.Conn)

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func listenTCP(addr string, log *zap.Logger, handle func(net.Conn)) (*tcpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &tcpServer{ln: ln, log: log, handle: handle, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func (s *tcpServer) addr() string { return s.ln.Addr().String() }

func (s *tcpServer) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("accept failed", zap.String("addr", s.addr()), zap.Error(err))
			}
			return
		}
		s.mu.Lock()
		if s.conns == nil { // closed meanwhile
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			defer func() {
				// A handler bug must cost one connection, not the test process.
				if r := recover(); r != nil {
					s.log.Error("connection handler panicked", zap.String("remote", conn.RemoteAddr().String()), zap.Any("panic", r))
				}
			}()
			s.handle(conn)
		}()
	}
}

// close stops accepting, closes every connection and waits for the handlers.
func (s *tcpServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
}
