package appmaster

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/eventlog"
	"go.uber.org/zap"
)

// eventSink passes what the Streaming tab's listener saw to the event
// log; the zero value writes nothing.
type eventSink struct{ w *eventlog.Writer }

func (s eventSink) batchStarted(t time.Time) {
	s.w.Add(eventlog.Event{Event: eventlog.EventBatchStarted, BatchTime: t})
}

func (s eventSink) batchCompleted(b driver.BatchInfo) {
	s.w.Add(eventlog.Event{Event: eventlog.EventBatchCompleted, Batch: &b})
}

func (s eventSink) executor(ev driver.Event, now time.Time) {
	e := eventlog.Event{Time: now, ExecutorID: ev.ExecutorID}
	switch {
	case ev.Added:
		e.Event, e.Host, e.Cores = eventlog.EventExecutorAdded, ev.Host, ev.Cores
	case ev.Lost:
		e.Event, e.Reason = eventlog.EventExecutorRemoved, ev.Reason
	case ev.Status != nil:
		e.Event, e.Succeeded = eventlog.EventTaskEnd, ev.Status.GetSucceeded()
	default:
		return
	}
	s.w.Add(e)
}

// StartEventLog starts writing the AM's event log when
// spark.eventLog.enabled is true, to spark.eventLog.dir. The function it
// returns writes what is pending; with ended true (the application has
// finished for good) it also marks the log complete.
func StartEventLog(ctx context.Context, settings conf.AppConf, m *Metrics, lg *zap.Logger) (func(ended bool), error) {
	noop := func(bool) {}
	if m == nil || !settings.Bool(conf.KeyEventLogEnabled) {
		return noop, nil
	}
	uri := settings.String(conf.KeyEventLogDir)
	store, dir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("appmaster: %s = %q: %w", conf.KeyEventLogDir, uri, err)
	}
	cfg := eventlog.DefaultWriterConfig()
	cfg.Store, cfg.Dir, cfg.App, cfg.Logger = store, dir, m.stats.l.App(), lg
	cfg.Snapshot = m.stats.l.Snapshot
	w, err := eventlog.NewWriter(ctx, cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	m.mu.Lock()
	m.events = eventSink{w: w}
	m.mu.Unlock()
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(runCtx)
	}()
	lg.Info("writing event log", zap.String("dir", w.Dir()))
	return func(ended bool) {
		stop()
		<-done
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if ended {
			err = w.Close(cctx, time.Now())
		} else {
			err = w.Flush(cctx)
		}
		if err != nil {
			lg.Warn("write event log", zap.String("dir", w.Dir()), zap.Error(err))
		}
		store.Close()
	}, nil
}
