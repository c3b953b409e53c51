package nodemanager

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spindlehq/spindle/bindaddr"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/shuffle"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// shuffleService is the NodeManager's spark_shuffle auxiliary service: it
// serves the map outputs that executors wrote to the node's local dirs,
// to the holders of each application's shuffle secret, after the
// executors are gone, and removes them when their application ends.
type shuffleService struct {
	srv     *shuffle.Server
	secrets *shuffle.Secrets
	dirs    shuffle.Dirs
	grpc    *grpc.Server
	lis     net.Listener
	// addr is what containers are told to fetch from.
	addr string
	lg   *zap.Logger
}

// startShuffleService listens on the NodeManager's host (or bind host) at
// spark.shuffle.service.port and serves. With TLS, a fetcher and the
// service each prove they hold the application attempt's shuffle key,
// derived from the secret the service learns from its containers' service
// data: the containers hold no cluster certificate.
func (nm *NodeManager) startShuffleService() error {
	host, _, _ := net.SplitHostPort(nm.nodeID)
	addr := net.JoinHostPort(host, strconv.Itoa(nm.cfg.ShufflePort))
	lis, err := bindaddr.Listen(conf.KeyShuffleServicePort, addr, nm.cfg.BindHost)
	if err != nil {
		return fmt.Errorf("nodemanager: %s service: %w", shuffle.ServiceName, err)
	}
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	s := &shuffleService{secrets: shuffle.NewSecrets(), dirs: shuffle.Dirs(nm.cfg.LocalDirs), lis: lis, addr: net.JoinHostPort(host, port), lg: nm.lg.Named("shuffle")}
	if s.srv, err = shuffle.NewServer(shuffle.ServerConfig{Blocks: s.dirs, Secrets: s.secrets, Logger: s.lg, RequireKey: !nm.plaintext()}); err != nil {
		lis.Close()
		return err
	}
	creds := pki.AppServerOption(nil, nil)
	if !nm.plaintext() {
		creds = s.secrets.ServerOption(nm.lg)
	}
	s.grpc = grpc.NewServer(creds)
	s.srv.Register(s.grpc)
	nm.shuffle = s
	nm.goRun(func() {
		if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.lg.Error("shuffle service stopped", zap.Error(err))
		}
	})
	s.lg.Info("shuffle service started", zap.String("address", s.addr))
	return nil
}

// initializeApplication takes an application's shuffle secret from a
// container's service data, as YARN's AuxiliaryService does.
func (s *shuffleService) initializeApplication(appID string, secret []byte) error {
	if s == nil || secret == nil {
		return nil
	}
	return s.secrets.Add(appID, secret)
}

// stopApplications forgets finished applications' secrets and removes
// their map outputs.
func (s *shuffleService) stopApplications(appIDs []string) {
	if s == nil {
		return
	}
	for _, id := range appIDs {
		s.secrets.Remove(id)
		if err := s.dirs.RemoveApp(id); err != nil {
			s.lg.Warn("remove a finished application's map outputs", zap.String("app", id), zap.Error(err))
		}
	}
}

func (s *shuffleService) stop() {
	if s != nil {
		s.grpc.Stop()
	}
}

// localDirsEnv is LOCAL_DIRS: the application's dir on each local dir.
func localDirsEnv(localDirs []string, appID string) string {
	out := make([]string, len(localDirs))
	for i, d := range localDirs {
		out[i] = filepath.Join(d, appID)
	}
	return strings.Join(out, ",")
}

// hasAuxService reports whether yarn.nodemanager.aux-services lists name.
func hasAuxService(services []string, name string) bool {
	for _, s := range services {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}
