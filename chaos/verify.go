package chaos

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spindlehq/spindle/devcluster"
)

// maxListed is how many ids a verification lists per problem.
const maxListed = 10

// ErrBadLine: a sink or dead-letter line that cannot be read.
var ErrBadLine = errors.New("chaos: bad output line")

// Verification compares the job's output with what was produced.
type Verification struct {
	// SinkLines and DeadLetters are the lines found in the sink and the
	// dead-letter output.
	SinkLines, DeadLetters int64
	// Lost are produced transactions in neither output (a valid one
	// missing from the sink, an invalid one from the dead letters).
	Lost int64
	// Duplicates are lines beyond the first for the same transaction.
	Duplicates int64
	// Unexpected are lines for transactions that were not produced as
	// such: never acknowledged, or valid in the dead letters, or invalid in
	// the sink.
	Unexpected int64
	// LostIDs, DuplicateIDs and UnexpectedIDs list the first few of each.
	LostIDs, DuplicateIDs, UnexpectedIDs []string `json:",omitempty"`
	// RevenueMismatch lists stores whose revenue in the sink differs from
	// what was produced.
	RevenueMismatch []string `json:",omitempty"`
	// StateChecked tells whether the job's final state was read;
	// StateMismatch lists stores whose state differs from what was
	// produced.
	StateChecked  bool
	StateMismatch []string `json:",omitempty"`
	// Errors are lines or files that could not be read.
	Errors []string `json:",omitempty"`
}

// OK reports whether the output is exactly what was produced.
func (v Verification) OK() bool {
	return v.Lost == 0 && v.Duplicates == 0 && v.Unexpected == 0 && len(v.RevenueMismatch) == 0 &&
		v.StateChecked && len(v.StateMismatch) == 0 && len(v.Errors) == 0
}

// Err describes what is wrong, wrapping ErrOutputMismatch; nil when OK.
func (v Verification) Err() error {
	if v.OK() {
		return nil
	}
	var parts []string
	if v.Lost > 0 {
		parts = append(parts, fmt.Sprintf("%d lost (%s)", v.Lost, strings.Join(v.LostIDs, ", ")))
	}
	if v.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicates (%s)", v.Duplicates, strings.Join(v.DuplicateIDs, ", ")))
	}
	if v.Unexpected > 0 {
		parts = append(parts, fmt.Sprintf("%d unexpected (%s)", v.Unexpected, strings.Join(v.UnexpectedIDs, ", ")))
	}
	if len(v.RevenueMismatch) > 0 {
		parts = append(parts, "revenue: "+strings.Join(v.RevenueMismatch, "; "))
	}
	if !v.StateChecked {
		parts = append(parts, "the final state was not read")
	}
	if len(v.StateMismatch) > 0 {
		parts = append(parts, "state: "+strings.Join(v.StateMismatch, "; "))
	}
	if len(v.Errors) > 0 {
		parts = append(parts, "unreadable: "+strings.Join(v.Errors, "; "))
	}
	return fmt.Errorf("%w: %s", ErrOutputMismatch, strings.Join(parts, "; "))
}

// verifier tallies the output lines against the ledger.
type verifier struct {
	l          *devcluster.Ledger
	sinkSeen   []uint8 // lines per transaction number, saturating
	deadSeen   []uint8
	storeCents map[string]int64
	// maybeCents is the revenue of transactions Kafka did not
	// acknowledge that the job read all the same: they count once.
	maybeCents map[string]int64
	v          Verification
}

func newVerifier(l *devcluster.Ledger) *verifier {
	return &verifier{l: l, sinkSeen: make([]uint8, l.Last()+1), deadSeen: make([]uint8, l.Last()+1), storeCents: map[string]int64{}, maybeCents: map[string]int64{}}
}

// list adds id to a list of at most maxListed.
func list(ids []string, id int64) []string {
	if len(ids) < maxListed {
		ids = append(ids, devcluster.TransactionID(id))
	}
	return ids
}

// see counts one line for id in seen, which holds transactions of status
// want. A transaction Kafka did not acknowledge may have been written
// all the same: once is no error.
func (vf *verifier) see(seen []uint8, id int64, want byte) {
	if st := vf.l.Status(id); st != want && st != devcluster.TxnRefused {
		vf.v.Unexpected++
		vf.v.UnexpectedIDs = list(vf.v.UnexpectedIDs, id)
		return
	}
	if seen[id] > 0 {
		vf.v.Duplicates++
		vf.v.DuplicateIDs = list(vf.v.DuplicateIDs, id)
	}
	if seen[id] < 255 {
		seen[id]++
	}
}

// sinkLine counts one output line.
func (vf *verifier) sinkLine(line []byte) {
	vf.v.SinkLines++
	id, store, cents, err := parseSinkLine(line)
	if err != nil {
		vf.addError(err)
		return
	}
	if vf.l.Status(id) == devcluster.TxnRefused && id < int64(len(vf.sinkSeen)) && vf.sinkSeen[id] == 0 {
		vf.maybeCents[store] += cents
	}
	vf.see(vf.sinkSeen, id, devcluster.TxnValid)
	vf.storeCents[store] += cents
}

// deadLetter counts one dead-letter line.
func (vf *verifier) deadLetter(line []byte) {
	vf.v.DeadLetters++
	id, err := parseDeadLetter(line)
	if err != nil {
		vf.addError(err)
		return
	}
	vf.see(vf.deadSeen, id, devcluster.TxnInvalid)
}

func (vf *verifier) addError(err error) {
	if len(vf.v.Errors) < maxListed {
		vf.v.Errors = append(vf.v.Errors, err.Error())
	}
}

// finish finds the lost transactions and compares revenues; state, when
// not nil, is the job's final revenue per store.
func (vf *verifier) finish(state map[string]int64) Verification {
	for id := int64(1); id <= vf.l.Last(); id++ {
		st := vf.l.Status(id)
		if (st == devcluster.TxnValid && vf.sinkSeen[id] == 0) || (st == devcluster.TxnInvalid && vf.deadSeen[id] == 0) {
			vf.v.Lost++
			vf.v.LostIDs = list(vf.v.LostIDs, id)
		}
	}
	want := vf.l.Totals().StoreCents
	for s, c := range vf.maybeCents {
		want[s] += c
	}
	vf.v.RevenueMismatch = compareCents(want, vf.storeCents)
	if state != nil {
		vf.v.StateChecked = true
		vf.v.StateMismatch = compareCents(want, state)
	}
	return vf.v
}

// compareCents lists the stores whose cents differ, sorted.
func compareCents(want, got map[string]int64) []string {
	stores := map[string]bool{}
	for s := range want {
		stores[s] = true
	}
	for s := range got {
		stores[s] = true
	}
	var out []string
	for _, s := range slices.Sorted(maps.Keys(stores)) {
		if want[s] != got[s] {
			out = append(out, fmt.Sprintf("%s: %s, want %s", s, formatCents(got[s]), formatCents(want[s])))
		}
	}
	return out
}

// readOutputs tallies every sink and dead-letter file under sinkDir (a
// local directory: the job's spindle.sink.path).
func (vf *verifier) readOutputs(sinkDir string) {
	vf.readGlob(filepath.Join(sinkDir, "batch=*", "part-*"), vf.sinkLine)
	vf.readGlob(filepath.Join(sinkDir, "_deadletter", "batch=*", "part-*"), vf.deadLetter)
}

func (vf *verifier) readGlob(glob string, fn func([]byte)) {
	files, err := filepath.Glob(glob)
	if err != nil {
		vf.addError(fmt.Errorf("chaos: output files %s: %w", glob, err))
		return
	}
	for _, f := range files {
		if err := eachLine(f, fn); err != nil {
			vf.addError(err)
		}
	}
}

// eachLine calls fn with each non-empty line of file.
func eachLine(file string, fn func([]byte)) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("chaos: output file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			fn(sc.Bytes())
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("chaos: read output file %s: %w", file, err)
	}
	return nil
}
