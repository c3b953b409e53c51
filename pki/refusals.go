package pki

import (
	"log"
	"net"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/grpc/credentials"
)

// A connection refused during the TLS handshake never reaches a service's
// own checks; these log it, with the caller's address and the reason
// (no certificate, another CA, a wrong host), so that every refusal is on
// record.

// loggedCreds logs the server handshakes that fail.
type loggedCreds struct {
	credentials.TransportCredentials
	lg       *zap.Logger
	endpoint string
}

func (c loggedCreds) ServerHandshake(raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ServerHandshake(raw)
	if err != nil {
		c.lg.Warn("connection refused: TLS handshake failed", zap.String("endpoint", c.endpoint),
			zap.String("remote", raw.RemoteAddr().String()), zap.Error(err))
	}
	return conn, info, err
}

func (c loggedCreds) Clone() credentials.TransportCredentials {
	return loggedCreds{TransportCredentials: c.TransportCredentials.Clone(), lg: c.lg, endpoint: c.endpoint}
}

// logHandshakes wraps server credentials so that refused handshakes are
// logged; lg nil logs nothing.
func logHandshakes(c credentials.TransportCredentials, lg *zap.Logger, endpoint string) credentials.TransportCredentials {
	if lg == nil {
		return c
	}
	return loggedCreds{TransportCredentials: c, lg: lg, endpoint: endpoint}
}

// HTTPErrorLog is an http.Server's ErrorLog that sends its lines, the
// refused TLS handshakes among them, to lg as warnings.
func HTTPErrorLog(lg *zap.Logger, endpoint string) *log.Logger {
	return log.New(httpLogWriter{lg: lg, endpoint: endpoint}, "", 0)
}

type httpLogWriter struct {
	lg       *zap.Logger
	endpoint string
}

func (w httpLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "TLS handshake error") {
		w.lg.Warn("connection refused: TLS handshake failed", zap.String("endpoint", w.endpoint), zap.String("error", msg))
	} else {
		w.lg.Warn("http server", zap.String("endpoint", w.endpoint), zap.String("error", msg))
	}
	return len(p), nil
}
