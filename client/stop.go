package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/staging"
)

// stopPollInterval is how often Stop checks whether the application ended
// (YARN's yarn.client.application-client-protocol.poll-interval-ms).
const stopPollInterval = 200 * time.Millisecond

// StopConfig is one graceful stop of a streaming application.
type StopConfig struct {
	// AppID is the application to stop.
	AppID string
	// StagingRoot is the spark.yarn.stagingDir it was submitted with, where
	// its launch spec names its checkpoint dir and shutdown marker.
	StagingRoot string
	// Timeout bounds the wait for the application to end; past it the
	// marker is removed, calling off a stop the driver has not begun.
	Timeout time.Duration
	// MoveCheckpoint moves the checkpoint dir aside once the application
	// stopped gracefully, so that the next submission starts afresh.
	MoveCheckpoint bool
	// Out receives the progress lines.
	Out io.Writer
}

// Stop stops a Spindle streaming application gracefully, at a batch
// boundary: it ends its supervision (spark.driver.supervise), so that it
// is not relaunched, places the shutdown marker its driver polls, in the
// checkpoint dir its staged launch spec names, and waits for it to end.
// It fails unless the application SUCCEEDED, and then leaves no marker
// behind that would stop the next submission at once.
func Stop(ctx context.Context, rm *RM, cfg StopConfig) error {
	appID, w := cfg.AppID, cfg.Out
	rep, err := rm.Report(ctx, appID)
	if err != nil {
		return err
	}
	if Finished(rep.GetState()) {
		fmt.Fprintf(w, "Application %s has already finished\n", appID)
		return nil
	}
	target, err := markerOf(ctx, cfg.StagingRoot, appID)
	if err != nil {
		return err
	}
	var sup *pb.StopSupervisionResponse
	err = rm.Call(ctx, func(ctx context.Context) (err error) {
		sup, err = rm.Client.StopSupervision(ctx, &pb.StopSupervisionRequest{ApplicationId: appID})
		return err
	})
	if err != nil {
		return fmt.Errorf("stop %s: end its supervision at the ResourceManager at %s: %w", appID, rm.Addr, err)
	}
	if sup.GetWasSupervised() {
		fmt.Fprintf(w, "Ended the supervision of application %s: it is not relaunched\n", appID)
		// One waiting for its relaunch has ended with that.
		if rep, err = rm.Report(ctx, appID); err != nil {
			return err
		}
		if Finished(rep.GetState()) {
			return stopped(w, rep)
		}
	}
	markerURI, err := target.place(ctx)
	if err != nil {
		return fmt.Errorf("stop %s: %w", appID, err)
	}
	fmt.Fprintf(w, "Stopping application %s gracefully: placed its shutdown marker %s\n", appID, markerURI)
	wctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep, err = rm.WaitFinished(wctx, appID, stopPollInterval, nil)
	if err != nil {
		if rmErr := target.remove(context.WithoutCancel(ctx)); rmErr != nil {
			return fmt.Errorf("stop %s: %w (waited -stopTimeout %v); removing its shutdown marker failed too: %v", appID, err, cfg.Timeout, rmErr)
		}
		return fmt.Errorf("stop %s: %w (waited -stopTimeout %v); removed its shutdown marker, so it keeps running", appID, err, cfg.Timeout)
	}
	if err := stopped(w, rep); err != nil {
		// It ended without taking the marker: the next start must not see it.
		if rmErr := target.remove(ctx); rmErr != nil {
			fmt.Fprintf(w, "Could not remove the shutdown marker: %v\n", rmErr)
		}
		return err
	}
	if cfg.MoveCheckpoint {
		aside, err := target.moveCheckpointAside(ctx)
		if err != nil {
			return fmt.Errorf("stop %s: %w", appID, err)
		}
		fmt.Fprintf(w, "Moved the checkpoint dir aside to %s: the next submission starts afresh\n", aside)
	}
	return nil
}

// stopped reports how a stopped application ended; it fails unless it
// SUCCEEDED.
func stopped(w io.Writer, rep *pb.ApplicationReport) error {
	appID := rep.GetApplicationId()
	fmt.Fprintf(w, "Application %s stopped: state %s, final status %s\n", appID, resourcemanager.ApplicationStateName(rep.GetState()), resourcemanager.FinalStatusName(rep.GetFinalStatus()))
	if rep.GetFinalStatus() == pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		return nil
	}
	if d := rep.GetDiagnostics(); d != "" {
		fmt.Fprintf(w, "\t diagnostics: %s\n", strings.ReplaceAll(d, "\n", "\n\t "))
	}
	return fmt.Errorf("%s: %w (final status %s)", appID, ErrAppNotSucceeded, resourcemanager.FinalStatusName(rep.GetFinalStatus()))
}

// shutdownMarker is where an application's driver looks for its shutdown
// marker.
type shutdownMarker struct {
	checkpointURI string
	marker        string // spindle.streaming.shutdownMarker, as given
}

// markerOf reads appID's staged launch spec under stagingRoot and finds
// its shutdown marker.
func markerOf(ctx context.Context, stagingRoot, appID string) (shutdownMarker, error) {
	spec, err := stagedSpec(ctx, stagingRoot, appID)
	if err != nil {
		return shutdownMarker{}, err
	}
	if mode := spec.Settings.String(conf.KeyDriverMode); mode != conf.DriverModePlugin {
		return shutdownMarker{}, fmt.Errorf("stop %s: it is not a Spindle streaming job (%s=%s) and has no shutdown marker: use -kill", appID, conf.KeyDriverMode, mode)
	}
	ckptURI := spec.Settings.String(conf.KeyCheckpointDir)
	if ckptURI == "" {
		return shutdownMarker{}, fmt.Errorf("stop %s: its configuration names no checkpoint dir (%s)", appID, conf.KeyCheckpointDir)
	}
	return shutdownMarker{checkpointURI: ckptURI, marker: spec.Settings.String(conf.KeyShutdownMarker)}, nil
}

// place places the marker and returns its URI.
func (m shutdownMarker) place(ctx context.Context) (string, error) {
	var uri string
	err := m.withStore(ctx, func(store dfs.Store, dir string) error {
		marker := hdfscheckpoint.MarkerPath(dir, m.marker)
		uri = m.uri(marker)
		return hdfscheckpoint.PlaceMarker(ctx, store, marker)
	})
	return uri, err
}

// remove removes the marker, if it is there.
func (m shutdownMarker) remove(ctx context.Context) error {
	return m.withStore(ctx, func(store dfs.Store, dir string) error {
		return store.Delete(ctx, hdfscheckpoint.MarkerPath(dir, m.marker))
	})
}

// moveCheckpointAside moves the checkpoint dir to <dir>.<yyyyMMddHHmmss>
// and returns the new URI.
func (m shutdownMarker) moveCheckpointAside(ctx context.Context) (string, error) {
	var uri string
	err := m.withStore(ctx, func(store dfs.Store, dir string) error {
		aside, err := hdfscheckpoint.MoveCheckpointAside(ctx, store, dir, time.Now())
		if errors.Is(err, dfs.ErrNotFound) {
			return fmt.Errorf("checkpoint dir %s is gone: did the application move it aside itself (%s)? %w", m.checkpointURI, conf.KeyMoveCheckpoint, err)
		}
		uri = m.uri(aside)
		return err
	})
	return uri, err
}

// withStore runs fn with the checkpoint's store and dir.
func (m shutdownMarker) withStore(ctx context.Context, fn func(store dfs.Store, dir string) error) error {
	store, dir, err := dfs.Open(ctx, m.checkpointURI)
	if err != nil {
		return fmt.Errorf("checkpoint dir: %w", err)
	}
	defer store.Close()
	return fn(store, dir)
}

// uri is p, a path in the checkpoint's store, as a URI.
func (m shutdownMarker) uri(p string) string {
	u, err := url.Parse(m.checkpointURI)
	if err != nil {
		return p
	}
	u.Path, u.RawPath = p, ""
	return u.String()
}

// stagedSpec reads the launch spec `spindle submit` staged for appID:
// <stagingRoot>/.sparkStaging/<appID>/__spindle_conf__.json.
func stagedSpec(ctx context.Context, stagingRoot, appID string) (launch.Spec, error) {
	var spec launch.Spec
	store, root, err := dfs.Open(ctx, stagingRoot)
	if err != nil {
		return spec, fmt.Errorf("stop %s: staging dir: %w", appID, err)
	}
	defer store.Close()
	p := path.Join(root, staging.DirName, appID, launch.SpecFile)
	raw, err := store.ReadFile(ctx, p)
	if err != nil {
		return spec, fmt.Errorf("stop %s: read the configuration it was submitted with (give the spark.yarn.stagingDir it was submitted with as -stagingDir): %w", appID, err)
	}
	if spec, err = launch.DecodeSpec(raw, p); err != nil {
		return spec, fmt.Errorf("stop %s: %w", appID, err)
	}
	return spec, nil
}
