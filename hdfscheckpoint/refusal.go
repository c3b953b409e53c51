package hdfscheckpoint

import (
	"fmt"
	"strings"
)

// RecoveryError is Recover's refusal to resume: the checkpoint holds
// batches, but not the readable entries needed to resume without skipping
// records or processing them twice. It wraps ErrDamagedCheckpoint. Another
// attempt fails the same way until the checkpoint is repaired, so a driver
// should not be retried on it.
type RecoveryError struct {
	// Checkpoint is the checkpoint directory: its URI when the Log knows
	// it (WithURI), else its path in the store.
	Checkpoint string
	// Reason says which entries cannot be read and why they are needed.
	Reason string
	// Damaged lists the unreadable entries found.
	Damaged []DamagedEntry
	// ResumeAfter is the newest batch that the checkpoint can resume from
	// once the batches after it are moved aside (TruncateAfter); -1 when
	// there is none.
	ResumeAfter int64
}

func (e *RecoveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s: %s. ", ErrDamagedCheckpoint, e.Checkpoint, e.Reason)
	fmt.Fprintf(&b, "Inspect every entry with `spindle checkpoint -verify %s`, then restore the damaged entries from a copy, or ", e.Checkpoint)
	if e.ResumeAfter >= 0 {
		fmt.Fprintf(&b, "resume after batch %d with `spindle checkpoint -truncate-after %d %s`, which moves the later batches aside (their records are read again: remove their outputs from the sink first, see docs/checkpoints.md)", e.ResumeAfter, e.ResumeAfter, e.Checkpoint)
	} else {
		b.WriteString("move the checkpoint directory aside to start afresh (reading then starts per spindle.kafka.auto.offset.reset)")
	}
	return b.String()
}

func (e *RecoveryError) Unwrap() error { return ErrDamagedCheckpoint }

// refuse returns the RecoveryError for reason, with the entries found
// unreadable so far; resumeAfter is the batch TruncateAfter would keep.
func (c *catalog) refuse(resumeAfter int64, reason string) error {
	return &RecoveryError{Checkpoint: c.l.Name(), Reason: reason, Damaged: c.found, ResumeAfter: resumeAfter}
}

// foundList lists the first few unreadable entries found, for a message.
func (c *catalog) foundList() string {
	const most = 5
	var parts []string
	for i, d := range c.found {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(c.found)-most))
			break
		}
		parts = append(parts, d.Err.Error())
	}
	return strings.Join(parts, "; ")
}
