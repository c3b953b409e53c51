package streamingui

import (
	"time"

	"github.com/spindlehq/spindle/driver"
)

// receiverSource returns the driver's receivers; the listener holds one
// only while the driver runs (history has none).
type receiverSource struct {
	states func() []driver.ReceiverState
}

// SetReceivers makes the Streaming tab show the driver's receivers,
// read from states on each request.
func (l *Listener) SetReceivers(states func() []driver.ReceiverState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recv.states = states
}

// Receivers returns the receivers' states; none for a job without
// receivers or an application read from its event log.
func (l *Listener) Receivers() []driver.ReceiverState {
	l.mu.Lock()
	f := l.recv.states
	l.mu.Unlock()
	if f == nil {
		return nil
	}
	return f()
}

// receiverRow is one receiver in the Streaming tab's table, as Spark's
// streaming page lists its receivers.
type receiverRow struct {
	driver.ReceiverState
	// Status is ACTIVE or INACTIVE, as Spark writes it.
	Status string
	// AvgRate is records per second since its current run started; -1
	// while it is not running.
	AvgRate float64
}

func receiverRows(states []driver.ReceiverState, now time.Time) []receiverRow {
	rows := make([]receiverRow, len(states))
	for i, r := range states {
		rows[i] = receiverRow{ReceiverState: r, Status: "INACTIVE", AvgRate: -1}
		if r.Active {
			rows[i].Status = "ACTIVE"
		}
		if !r.Started.IsZero() {
			if d := now.Sub(r.Started).Seconds(); d > 0 {
				rows[i].AvgRate = float64(r.Records) / d
			}
		}
	}
	return rows
}
