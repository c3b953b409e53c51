package executor

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/shuffle"
	"github.com/spindlehq/spindle/statestore"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// StagesSetup is what StartStages builds an executor's keyed stages from.
type StagesSetup struct {
	// Getenv reads the container's environment (LOCAL_DIRS, APPLICATION_ID,
	// NM_HOST, SPINDLE_SHUFFLE_SECRET, SPINDLE_SHUFFLE_SERVICE_ADDRESS,
	// SPINDLE_TLS_INSECURE_PLAINTEXT).
	Getenv func(string) string
	// Settings are the application's.
	Settings conf.AppConf
	// NetworkTimeout bounds a fetch (spark.network.timeout).
	NetworkTimeout time.Duration
	Logger         *zap.Logger
}

// ErrNoShuffleSecret: the container has no shuffle secret, so it cannot
// run keyed stages.
var ErrNoShuffleSecret = errors.New("executor: no shuffle secret in the environment (" + launch.EnvShuffleSecret + "): the ApplicationMaster gives one to every executor")

// StartStages prepares an executor to run keyed stages: its own server of
// the map outputs it writes, the fetcher of others', its state store and
// the checkpoint store. The returned func stops them.
func StartStages(ctx context.Context, s StagesSetup) (*StagesConfig, func(), error) {
	secret, err := base64.StdEncoding.DecodeString(s.Getenv(launch.EnvShuffleSecret))
	if err != nil || len(secret) == 0 {
		return nil, nil, ErrNoShuffleSecret
	}
	appID := s.Getenv(launch.EnvApplicationID)
	var appDirs []string
	for _, d := range strings.Split(s.Getenv(launch.EnvLocalDirs), ",") {
		if d = strings.TrimSpace(d); d != "" {
			appDirs = append(appDirs, d)
		}
	}
	if appID == "" || len(appDirs) == 0 {
		return nil, nil, fmt.Errorf("executor: keyed stages need %s and %s in the environment, which the NodeManager sets", launch.EnvApplicationID, launch.EnvLocalDirs)
	}
	lg := s.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	secrets := shuffle.NewSecrets()
	if err := secrets.Add(appID, secret); err != nil {
		return nil, nil, err
	}
	// Both ends of every shuffle connection prove they hold the
	// attempt's shuffle key, derived from its secret, as the NodeManager
	// says its own shuffle service does; the per-request HMAC binds each
	// fetch to its application, blocks and time.
	secure := s.Getenv(launch.EnvInsecurePlaintext) != "true"
	dial, serve := []grpc.DialOption{pki.KeyDialOption(nil)}, []grpc.ServerOption{pki.AppServerOption(nil, nil)}
	if secure {
		key, err := pki.NewShuffleKey(secret)
		if err != nil {
			return nil, nil, fmt.Errorf("executor: shuffle key of %s: %w", appID, err)
		}
		dial, serve = []grpc.DialOption{pki.KeyDialOption(key)}, []grpc.ServerOption{secrets.ServerOption(lg.Named("tls"))}
	}
	fetcher, err := shuffle.NewFetcher(shuffle.FetcherConfig{AppID: appID, Secret: secret, DialOptions: dial, Timeout: s.NetworkTimeout})
	if err != nil {
		return nil, nil, err
	}
	srv, err := shuffle.NewServer(shuffle.ServerConfig{Blocks: NodeDirs(appDirs), Secrets: secrets, Logger: lg.Named("shuffle"), RequireKey: secure})
	if err != nil {
		return nil, nil, err
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(s.Getenv(launch.EnvNMHost), "0"))
	if err != nil {
		return nil, nil, fmt.Errorf("executor: serve map outputs: %w", err)
	}
	g := grpc.NewServer(serve...)
	srv.Register(g)
	go g.Serve(lis)
	cfg := &StagesConfig{AppDirs: appDirs, Fetcher: fetcher, State: statestore.New(), Tables: NewTableCache()}
	if svc := s.Getenv(launch.EnvShuffleServiceAddress); svc != "" && s.Settings.Bool(conf.KeyShuffleServiceEnabled) {
		cfg.Addresses = append(cfg.Addresses, svc)
	}
	cfg.Addresses = append(cfg.Addresses, lis.Addr().String())
	stop := func() {
		g.Stop()
		fetcher.Close()
	}
	if cfg.Checkpoint, cfg.CheckpointDir, err = dfs.Open(ctx, s.Settings.String(conf.KeyCheckpointDir)); err != nil {
		stop()
		return nil, nil, fmt.Errorf("executor: checkpoint dir %s: %w", s.Settings.String(conf.KeyCheckpointDir), err)
	}
	lg.Info("keyed stages ready", zap.Strings("serving", cfg.Addresses), zap.Strings("localDirs", appDirs))
	return cfg, func() { stop(); cfg.Checkpoint.Close() }, nil
}
