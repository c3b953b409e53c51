package executor

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/shuffle"
	"github.com/spindlehq/spindle/statestore"
)

// A reduce partition's keys go to the job in calls of at most
// keysPerCall keys and about bytesPerCall bytes; each call's outputs are
// one chunk of the partition's, so the cut must be the same every time
// the batch runs, which it is: it depends only on the keys and values.
const (
	keysPerCall  = 4096
	bytesPerCall = 4 << 20
)

// keyWalk goes through a reduce partition's keys for one batch, in key
// order: those with values in the batch and, for a stage with state,
// those with state; it makes each key's input to the job and keeps what
// the job returns as the key's new state.
type keyWalk struct {
	red       *reducer
	batchMs   int64
	batchTime time.Time
	windowEnd bool
	groups    *shuffle.Grouper
	next      *shuffle.Group
	done      bool
	// stateKeys are the keys with state when the batch started, sorted.
	stateKeys []string
	// entries are the current call's keys' state records.
	entries []walkEntry
}

// walkEntry is what a key's input was made from.
type walkEntry struct {
	hasValues bool
	hadState  bool
	timed     statestore.TimedRecord
	win       statestore.WindowRecord
	// inWindow are the key's batch values still in the window that ends.
	inWindow []statestore.Slice
}

func newKeyWalk(red *reducer, batchTime time.Time, windowEnd bool, groups *shuffle.Grouper) *keyWalk {
	k := &keyWalk{red: red, batchMs: batchTime.UnixMilli(), batchTime: batchTime, windowEnd: windowEnd, groups: groups}
	switch red.spec.State {
	case sdk.StateUpdateByKey, sdk.StateMapWithState:
		k.stateKeys = red.part.Keys()
	case sdk.StateWindow:
		if windowEnd {
			k.stateKeys = red.part.Keys()
		}
	}
	return k
}

// nextKey returns the next key, with its group of values when it has
// some in the batch; ok false after the last.
func (k *keyWalk) nextKey() (key string, grp *shuffle.Group, ok bool, err error) {
	if k.next == nil && !k.done {
		g, err := k.groups.Next()
		switch {
		case errors.Is(err, io.EOF):
			k.done = true
		case err != nil:
			return "", nil, false, err
		default:
			k.next = &g
		}
	}
	switch {
	case k.next == nil && len(k.stateKeys) == 0:
		return "", nil, false, nil
	case k.next == nil || (len(k.stateKeys) > 0 && k.stateKeys[0] < k.next.Key):
		key = k.stateKeys[0]
		k.stateKeys = k.stateKeys[1:]
		return key, nil, true, nil
	}
	grp, k.next = k.next, nil
	if len(k.stateKeys) > 0 && k.stateKeys[0] == grp.Key {
		k.stateKeys = k.stateKeys[1:]
	}
	return grp.Key, grp, true, nil
}

// nextCall makes the next call's inputs; nil after the last key.
func (k *keyWalk) nextCall() (*sdk.ReduceKeysCall, error) {
	red := k.red
	call := &sdk.ReduceKeysCall{Stage: red.stage, BatchTime: k.batchTime, Partition: red.partition, Partitions: red.partitions, WindowEnd: k.windowEnd}
	k.entries = k.entries[:0]
	size := 0
	for len(call.Keys) < keysPerCall && size < bytesPerCall {
		key, grp, ok, err := k.nextKey()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		in, e, use, err := k.input(key, grp)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if !use {
			continue
		}
		call.Keys = append(call.Keys, in)
		k.entries = append(k.entries, e)
		size += len(key) + e.size(in)
	}
	if len(call.Keys) == 0 {
		return nil, nil
	}
	return call, nil
}

func (e walkEntry) size(in sdk.KeyInput) int {
	n := len(in.State) + len(in.Window)
	for _, vs := range [][][]byte{in.Values, in.Right, in.Leaving, in.Entering} {
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// input makes key's input to the job; use is false for a key the batch
// leaves alone, or whose state ends without a call.
func (k *keyWalk) input(key string, grp *shuffle.Group) (in sdk.KeyInput, e walkEntry, use bool, err error) {
	red := k.red
	in.Key = key
	if grp != nil {
		red.metrics.RecordsRead += int64(len(grp.Records))
		red.metrics.Keys++
		for _, rec := range grp.Records {
			if rec.Side == 1 {
				in.Right = append(in.Right, rec.Value)
			} else {
				in.Values = append(in.Values, rec.Value)
			}
		}
		e.hasValues = len(in.Values) > 0
	}
	var raw []byte
	if red.part != nil {
		raw, e.hadState = red.part.Get(key)
	}
	spec := red.spec
	switch spec.State {
	case sdk.StateNone:
		if spec.Kind == sdk.KindJoinTable {
			if row, ok := red.table[key]; ok {
				in.Right = [][]byte{row}
			}
		}
		return in, e, e.hasValues, nil
	case sdk.StateUpdateByKey:
		if e.hadState {
			in.State = nonNilBytes(raw)
		}
		return in, e, true, nil
	case sdk.StateMapWithState:
		if e.hadState {
			if e.timed, err = statestore.DecodeTimedRecord(raw); err != nil {
				return in, e, false, err
			}
			in.State = e.timed.State
		}
		if !e.hasValues {
			// Idle: a call only when it times out.
			timeout := spec.Timeout.Milliseconds()
			in.TimingOut = e.hadState && timeout > 0 && k.batchMs-e.timed.LastActive >= timeout
			return in, e, in.TimingOut, nil
		}
		return in, e, true, nil
	case sdk.StateWindow:
		if e.hadState {
			if e.win, err = statestore.DecodeWindowRecord(raw); err != nil {
				return in, e, false, err
			}
		}
		if !k.windowEnd {
			return in, e, e.hasValues, nil
		}
		start := k.batchMs - spec.Window.Milliseconds()
		for _, s := range e.win.Slices {
			if s.BatchMs > start {
				e.inWindow = append(e.inWindow, s)
			}
		}
		if !e.hasValues && len(e.inWindow) == 0 {
			if e.hadState {
				red.part.Delete(key)
			}
			return in, e, false, nil
		}
		if spec.Inverse && e.win.Window != nil {
			in.Window = e.win.Window
			// The last window held the slices up to its end; this one
			// holds those after start. A slice that came and went
			// between the two ends is in neither.
			for _, s := range e.win.Slices {
				switch {
				case s.BatchMs <= e.win.LastEnd && s.BatchMs <= start:
					in.Leaving = append(in.Leaving, s.Value)
				case s.BatchMs > e.win.LastEnd && s.BatchMs > start:
					in.Entering = append(in.Entering, s.Value)
				}
			}
		} else {
			for _, s := range e.inWindow {
				in.Entering = append(in.Entering, s.Value)
			}
		}
		return in, e, true, nil
	}
	return in, e, false, fmt.Errorf("state kind %d", spec.State)
}

// keep records the job's results of a call as the keys' new state.
func (k *keyWalk) keep(call *sdk.ReduceKeysCall, res sdk.ReduceKeysResult) error {
	red := k.red
	if red.part == nil {
		return nil
	}
	for i, r := range res.Results {
		key, e := call.Keys[i].Key, k.entries[i]
		switch red.spec.State {
		case sdk.StateUpdateByKey:
			if r.Keep {
				red.part.Set(key, r.State)
			} else if e.hadState {
				red.part.Delete(key)
			}
		case sdk.StateMapWithState:
			switch {
			case r.Keep && !call.Keys[i].TimingOut:
				last := e.timed.LastActive
				if e.hasValues {
					last = k.batchMs
				}
				red.part.Set(key, statestore.TimedRecord{State: r.State, LastActive: last}.Encode())
			case e.hadState:
				red.part.Delete(key)
			}
		case sdk.StateWindow:
			w := e.win
			if k.windowEnd {
				w = statestore.WindowRecord{Slices: e.inWindow, LastEnd: k.batchMs}
				if red.spec.Inverse && r.Keep {
					w.Window = r.State
				}
			}
			if r.Reduced != nil {
				w.Slices = append(w.Slices[:len(w.Slices):len(w.Slices)], statestore.Slice{BatchMs: k.batchMs, Value: r.Reduced})
			}
			if len(w.Slices) == 0 {
				red.part.Delete(key)
				continue
			}
			red.part.Set(key, w.Encode())
		}
	}
	return nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
