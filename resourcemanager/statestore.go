package resourcemanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// appStore keeps applications' records: the file/HDFS state store of a
// single RM, or the replicated state of an RM group.
type appStore interface {
	save(ctx context.Context, appID string, raw []byte) error
	load(ctx context.Context) ([]*rmApp, error)
	// readKeys returns the token and gossip keys' record, nil when there
	// is none yet; writeKeys replaces it.
	readKeys(ctx context.Context) ([]byte, error)
	writeKeys(ctx context.Context, raw []byte) error
	close() error
}

// stateStore keeps applications and their attempts on a checkpoint store
// (yarn.resourcemanager.fs.state-store.uri), one file per application
// written atomically, so that a restarted RM recovers them. Containers are
// not kept: NMs report them when they register again, as YARN's
// work-preserving recovery does.
type stateStore struct {
	store dfs.Store
	dir   string
}

// appRecord is one application as the state store keeps it.
type appRecord struct {
	Version     int             `json:"version"`
	Context     json.RawMessage `json:"context"`
	State       int32           `json:"state"`
	FinalStatus int32           `json:"finalStatus"`
	Diagnostics string          `json:"diagnostics,omitempty"`
	SubmitMs    int64           `json:"submitMs"`
	StartMs     int64           `json:"startMs,omitempty"`
	FinishMs    int64           `json:"finishMs,omitempty"`
	Attempts    []attemptRecord `json:"attempts"`
	// Supervision is a supervised application's relaunch state.
	Supervision *supervisionRecord `json:"supervision,omitempty"`
}

type supervisionRecord struct {
	RoundStart   int   `json:"roundStart"`
	Relaunches   int   `json:"relaunches"`
	BackoffMs    int64 `json:"backoffMs"`
	RelaunchAtMs int64 `json:"relaunchAtMs,omitempty"`
	Stopped      bool  `json:"stopped,omitempty"`
}

type attemptRecord struct {
	ID              string `json:"id"`
	State           int32  `json:"state"`
	Token           []byte `json:"token"`
	AMContainer     string `json:"amContainer,omitempty"`
	Host            string `json:"host,omitempty"`
	RPCPort         int32  `json:"rpcPort,omitempty"`
	TrackingURL     string `json:"trackingUrl,omitempty"`
	Diagnostics     string `json:"diagnostics,omitempty"`
	StartMs         int64  `json:"startMs"`
	FinishMs        int64  `json:"finishMs,omitempty"`
	CountsAsFailure bool   `json:"countsAsFailure,omitempty"`
	Unregistered    bool   `json:"unregistered,omitempty"`
}

const stateRecordVersion = 1

func openStateStore(ctx context.Context, uri string) (*stateStore, error) {
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("resourcemanager: state store %s (yarn.resourcemanager.fs.state-store.uri): %w", uri, err)
	}
	if err := store.MkdirAll(ctx, path.Join(dir, "apps")); err != nil {
		store.Close()
		return nil, fmt.Errorf("resourcemanager: state store %s: %w", uri, err)
	}
	return &stateStore{store: store, dir: dir}, nil
}

func (s *stateStore) appPath(appID string) string {
	return path.Join(s.dir, "apps", appID+".json")
}

// record turns an application into its stored form.
func record(app *rmApp) ([]byte, error) {
	ctxJSON, err := protojson.Marshal(app.ctx)
	if err != nil {
		return nil, err
	}
	r := appRecord{Version: stateRecordVersion, Context: ctxJSON, State: int32(app.state), FinalStatus: int32(app.finalStatus),
		Diagnostics: app.diagnostics, SubmitMs: unixMs(app.submitTime), StartMs: unixMs(app.startTime), FinishMs: unixMs(app.finishTime)}
	for _, t := range app.attempts {
		tok, err := proto.Marshal(t.token)
		if err != nil {
			return nil, err
		}
		r.Attempts = append(r.Attempts, attemptRecord{ID: t.id, State: int32(t.state), Token: tok, AMContainer: t.amContainer,
			Host: t.host, RPCPort: t.rpcPort, TrackingURL: t.trackingURL, Diagnostics: t.diagnostics,
			StartMs: unixMs(t.startTime), FinishMs: unixMs(t.finishTime), CountsAsFailure: t.countsAsFailure, Unregistered: t.unregistered})
	}
	if s := app.supervision; s != nil {
		r.Supervision = &supervisionRecord{RoundStart: s.roundStart, Relaunches: s.relaunches, BackoffMs: s.backoff.Milliseconds(),
			RelaunchAtMs: unixMs(s.relaunchAt), Stopped: s.stopped}
	}
	return json.Marshal(r)
}

// save writes one application.
func (s *stateStore) save(ctx context.Context, appID string, raw []byte) error {
	return s.store.WriteFile(ctx, s.appPath(appID), raw)
}

func (s *stateStore) close() error { return s.store.Close() }

func (s *stateStore) readKeys(ctx context.Context) ([]byte, error) {
	raw, err := s.store.ReadFile(ctx, path.Join(s.dir, keysFile))
	if errors.Is(err, dfs.ErrNotFound) {
		return nil, nil
	}
	return raw, err
}

func (s *stateStore) writeKeys(ctx context.Context, raw []byte) error {
	return s.store.WriteFile(ctx, path.Join(s.dir, keysFile), raw)
}

// load reads every stored application.
func (s *stateStore) load(ctx context.Context) ([]*rmApp, error) {
	files, err := s.store.List(ctx, path.Join(s.dir, "apps"))
	if err != nil {
		return nil, err
	}
	var apps []*rmApp
	for _, f := range files {
		if f.IsDir || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		raw, err := s.store.ReadFile(ctx, f.Path)
		if err != nil {
			return nil, err
		}
		app, err := fromRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("resourcemanager: state of %s: %w", f.Path, err)
		}
		apps = append(apps, app)
	}
	return apps, nil
}

func fromRecord(raw []byte) (*rmApp, error) {
	var r appRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Version != stateRecordVersion {
		return nil, fmt.Errorf("record version %d; this ResourceManager reads version %d", r.Version, stateRecordVersion)
	}
	sc := &pb.ApplicationSubmissionContext{}
	if err := protojson.Unmarshal(r.Context, sc); err != nil {
		return nil, err
	}
	app := &rmApp{id: sc.GetApplicationId(), ctx: sc, state: pb.ApplicationState(r.State), finalStatus: pb.FinalApplicationStatus(r.FinalStatus),
		diagnostics: r.Diagnostics, submitTime: fromMs(r.SubmitMs), startTime: fromMs(r.StartMs), finishTime: fromMs(r.FinishMs)}
	for _, a := range r.Attempts {
		tok := &pb.Token{}
		if err := proto.Unmarshal(a.Token, tok); err != nil {
			return nil, err
		}
		app.attempts = append(app.attempts, &rmAttempt{id: a.ID, app: app, state: pb.ApplicationAttemptState(a.State), token: tok,
			amContainer: a.AMContainer, host: a.Host, rpcPort: a.RPCPort, trackingURL: a.TrackingURL, diagnostics: a.Diagnostics,
			startTime: fromMs(a.StartMs), finishTime: fromMs(a.FinishMs), countsAsFailure: a.CountsAsFailure, unregistered: a.Unregistered,
			overheads: map[int32]int64{}})
	}
	if s := r.Supervision; s != nil {
		if sc.GetSupervise() == nil || s.RoundStart < 0 || s.RoundStart >= max(len(app.attempts), 1) || s.BackoffMs < 0 {
			return nil, fmt.Errorf("application %s: supervision record %+v does not fit its %d attempts", app.id, *s, len(app.attempts))
		}
		app.supervision = &supervision{roundStart: s.RoundStart, relaunches: s.Relaunches, backoff: time.Duration(s.BackoffMs) * time.Millisecond,
			relaunchAt: fromMs(s.RelaunchAtMs), stopped: s.Stopped}
	} else {
		app.supervision = newSupervision(sc)
	}
	return app, nil
}

func fromMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
