package driver

import (
	"slices"
	"testing"

	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/sdk"
)

// TestReceiverCandidates: a receiver goes to its preferred host when an
// executor there has room, then away from where it last failed, then to
// the executor with the fewest receivers; without the write-ahead log an
// executor needs two free cores, one for the receiver and one for its
// blocks' tasks.
func TestReceiverCandidates(t *testing.T) {
	execs := map[string]taskscheduler.ExecutorCores{
		"1": {Host: "a", Cores: 2},
		"2": {Host: "b", Cores: 2, Busy: 1},
		"3": {Host: "c", Cores: 2},
		"4": {Host: "c", Cores: 1, Busy: 1},
	}
	for _, tt := range []struct {
		name             string
		preferred, avoid string
		counts           map[string]int
		wal              bool
		want             []string
	}{
		{"by id", "", "", nil, true, []string{"1", "2", "3"}},
		{"preferred host", "c", "", nil, true, []string{"3", "1", "2"}},
		{"preferred host full: elsewhere", "d", "", nil, true, []string{"1", "2", "3"}},
		{"away from the last failure", "", "1", nil, true, []string{"2", "3", "1"}},
		{"preferred before the last failure", "a", "1", nil, true, []string{"1", "2", "3"}},
		{"fewest receivers", "", "", map[string]int{"1": 2, "2": 1}, true, []string{"3", "2", "1"}},
		{"without the log: two free cores", "b", "", nil, false, []string{"1", "3"}},
	} {
		if got := receiverCandidates(execs, tt.preferred, tt.avoid, tt.counts, tt.wal); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestReceiverRates: the backpressure rate of the whole stream is divided
// among the receivers, each share capped by spark.streaming.receiver.maxRate;
// with neither there is no limit.
func TestReceiverRates(t *testing.T) {
	streams := []sdk.ReceiverInfo{{Name: "a"}, {Name: "b"}, {Name: "c", PreferredLocation: "h"}}
	for _, tt := range []struct {
		maxRate int64
		bp      float64
		want    float64
	}{
		{0, 0, 0},
		{0, 3000, 1000},
		{500, 3000, 500},
		{5000, 3000, 1000},
		{700, 0, 700},
	} {
		tr := newReceiverTracker(ReceiversConfig{Streams: streams, MaxRate: tt.maxRate}, nil, nil, nil, nil)
		tr.bpRate = tt.bp
		if got := tr.rateLocked(); got != tt.want {
			t.Errorf("maxRate %d, backpressure %v: rate %v, want %v", tt.maxRate, tt.bp, got, tt.want)
		}
	}
}

// TestReceiverWaitsForItsBlocksToBeRecorded: while a block of its stream
// is being recorded (its executor may just have died), a receiver is not
// started again, so that its new run knows the stream's newest block; a
// receiver of another stream is. (place would launch through the nil
// scheduler, and panic, if it tried.)
func TestReceiverWaitsForItsBlocksToBeRecorded(t *testing.T) {
	tr := newReceiverTracker(ReceiversConfig{Streams: []sdk.ReceiverInfo{{Name: "a"}, {Name: "b"}}}, nil, nil, nil, nil)
	tr.recording[0], tr.recording[1] = 1, 1
	tr.place()
	tr.recording[1] = 0
	defer func() {
		if recover() == nil {
			t.Fatal("the receiver of stream 1, with no block being recorded, was not placed")
		}
	}()
	tr.place()
}
