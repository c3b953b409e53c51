package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/appmaster/streamingui"
	"github.com/spindlehq/spindle/driver"
)

// Version is the format of the segments this package writes; a segment of
// a newer version is refused with a message saying so.
const Version = 1

// Event names, one per line of a segment.
const (
	EventHeader           = "SpindleLogHeader"
	EventApplicationStart = "SpindleApplicationStart"
	EventApplicationEnd   = "SpindleApplicationEnd"
	EventBatchStarted     = "SpindleBatchStarted"
	EventBatchCompleted   = "SpindleBatchCompleted"
	EventExecutorAdded    = "SpindleExecutorAdded"
	EventExecutorRemoved  = "SpindleExecutorRemoved"
	EventTaskEnd          = "SpindleTaskEnd"
	EventSnapshot         = "SpindleSnapshot"
)

// ErrCorrupt marks a segment that does not decode.
var ErrCorrupt = errors.New("eventlog: corrupt segment")

// Event is one line of a segment. Which fields are set depends on Event.
type Event struct {
	Event string    `json:"Event"`
	Time  time.Time `json:"Time"`
	// Version is set on EventHeader.
	Version int `json:"Version,omitempty"`
	// App is set on EventApplicationStart and EventApplicationEnd.
	App *streamingui.AppInfo `json:"App,omitempty"`
	// Batch is set on EventBatchCompleted; BatchTime on EventBatchStarted.
	Batch     *driver.BatchInfo `json:"Batch,omitempty"`
	BatchTime time.Time         `json:"BatchTime,omitzero"`
	// Executor events: the executor, its host and cores when added, the
	// reason when removed, success on a task end.
	ExecutorID string `json:"ExecutorID,omitempty"`
	Host       string `json:"Host,omitempty"`
	Cores      int    `json:"Cores,omitempty"`
	Reason     string `json:"Reason,omitempty"`
	Succeeded  bool   `json:"Succeeded,omitempty"`
	// Snapshot is set on EventSnapshot: everything the pages showed then.
	Snapshot *streamingui.Snapshot `json:"Snapshot,omitempty"`
}

// encodeSegment writes a header and evs as JSON lines.
func encodeSegment(evs []Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(Event{Event: EventHeader, Version: Version, Time: time.Now()}); err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if err := enc.Encode(ev); err != nil {
			return nil, fmt.Errorf("eventlog: encode %s: %w", ev.Event, err)
		}
	}
	return buf.Bytes(), nil
}

// DecodeSegment reads a segment: a header of a version this package reads,
// then events of known names. Anything else is an error wrapping
// ErrCorrupt that says which line.
func DecodeSegment(data []byte) ([]Event, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	var out []Event
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrCorrupt, line, err)
		}
		if line == 1 {
			if ev.Event != EventHeader {
				return nil, fmt.Errorf("%w: line 1 is %q, not the %s header", ErrCorrupt, ev.Event, EventHeader)
			}
			if ev.Version > Version || ev.Version < 1 {
				return nil, fmt.Errorf("%w: format version %d; this Spindle reads version %d: read it with a Spindle as new as the one that wrote it", ErrCorrupt, ev.Version, Version)
			}
			continue
		}
		if err := check(ev); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrCorrupt, line, err)
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%w: empty", ErrCorrupt)
	}
	return out, nil
}

// check refuses an event that lacks what its name promises.
func check(ev Event) error {
	switch ev.Event {
	case EventApplicationStart, EventApplicationEnd:
		if ev.App == nil {
			return fmt.Errorf("%s without App", ev.Event)
		}
	case EventBatchCompleted:
		if ev.Batch == nil {
			return fmt.Errorf("%s without Batch", ev.Event)
		}
	case EventSnapshot:
		if ev.Snapshot == nil {
			return fmt.Errorf("%s without Snapshot", ev.Event)
		}
	case EventExecutorAdded, EventExecutorRemoved, EventTaskEnd:
		if ev.ExecutorID == "" {
			return fmt.Errorf("%s without ExecutorID", ev.Event)
		}
	case EventBatchStarted:
	default:
		return fmt.Errorf("unknown event %q", ev.Event)
	}
	return nil
}

// apply feeds one event to a listener.
func apply(l *streamingui.Listener, ev Event) {
	switch ev.Event {
	case EventApplicationStart, EventApplicationEnd:
		l.SetApp(*ev.App)
	case EventBatchStarted:
		l.OnBatchStarted(ev.BatchTime)
	case EventBatchCompleted:
		// Compaction may write the newest events again after the snapshot
		// that holds them.
		if !l.HasRun(*ev.Batch) {
			l.OnBatchCompleted(*ev.Batch)
		}
	case EventExecutorAdded:
		l.OnExecutorAdded(ev.ExecutorID, ev.Host, ev.Cores, ev.Time)
	case EventExecutorRemoved:
		l.OnExecutorRemoved(ev.ExecutorID, ev.Reason, ev.Time)
	case EventTaskEnd:
		l.OnTaskEnd(ev.ExecutorID, ev.Succeeded)
	case EventSnapshot:
		l.Restore(*ev.Snapshot)
	}
}
