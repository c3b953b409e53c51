package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/urfave/cli/v2"
)

// checkpointUsage is what `spindle checkpoint` takes, for errors.
const checkpointUsage = "use -verify CHECKPOINT_URI or -truncate-after BATCH_TIME_MS CHECKPOINT_URI"

// Exit codes of `spindle checkpoint -verify` (1 is an error, as for every
// command).
const (
	exitCheckpointDamaged = 2 // some entries cannot be read; the next start resumes anyway
	exitCheckpointRefused = 3 // the next start refuses to resume
)

func checkpointCommand() *cli.Command {
	return &cli.Command{
		Name:      "checkpoint",
		Usage:     "verify a streaming job's checkpoint, or move its newest batches aside",
		ArgsUsage: "CHECKPOINT_URI (file:///dir, hdfs://namenode:port/dir, or an absolute local path)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verify", Usage: "list every entry of the checkpoint, whether it can be read, and where the next start resumes"},
			&cli.Int64Flag{Name: "truncate-after", Usage: "move the entries of every batch after batch `BATCH_TIME_MS` aside, into <dir>/" + hdfscheckpoint.AsideDirName + "/<yyyyMMddHHmmss>/, so that the next start resumes after it"},
		},
		Action: func(c *cli.Context) error {
			verify, truncate := c.Bool("verify"), c.IsSet("truncate-after")
			switch {
			case verify == truncate:
				return fmt.Errorf("give one of -verify and -truncate-after: %s", checkpointUsage)
			case c.NArg() != 1:
				return fmt.Errorf("give one checkpoint URI after the flags: %s", checkpointUsage)
			}
			uri := c.Args().First()
			if strings.HasPrefix(uri, "/") {
				uri = "file://" + uri
			}
			store, dir, err := dfs.Open(c.Context, uri)
			if err != nil {
				return err
			}
			defer store.Close()
			log, err := hdfscheckpoint.NewLog(store, dir, 0, nil)
			if err != nil {
				return err
			}
			log = log.WithURI(uri)
			if exists, err := store.Exists(c.Context, dir); err != nil {
				return err
			} else if !exists {
				return fmt.Errorf("no checkpoint at %s: the directory does not exist", uri)
			}
			if truncate {
				return truncateCheckpoint(c.Context, c.App.Writer, log, c.Int64("truncate-after"))
			}
			return verifyCheckpoint(c.Context, c.App.Writer, log)
		},
	}
}

// verifyCheckpoint prints every entry and the next start's plan, and exits
// non-zero when an entry cannot be read.
func verifyCheckpoint(ctx context.Context, w io.Writer, log *hdfscheckpoint.Log) error {
	in, err := log.Inspect(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Checkpoint %s: %d batches\n", in.Checkpoint, len(in.Batches))
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "BATCH TIME (MS)\tBATCH TIME (UTC)\tOFFSETS\tCOMMIT\tSTATE")
	for _, b := range in.Batches {
		state := "-"
		for _, s := range b.State {
			if state == "-" || s.Err != nil {
				state = entryWord(s)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", b.BatchTime.UnixMilli(), b.BatchTime.Format("2006-01-02T15:04:05.000Z"), entryWord(b.Offsets), entryWord(b.Commit), state)
	}
	tw.Flush()
	damaged := in.Damaged()
	if len(damaged) > 0 {
		fmt.Fprintf(w, "\nUnreadable entries (%d):\n", len(damaged))
		for _, d := range damaged {
			fmt.Fprintf(w, "  %s: %v\n", relativeEntry(log, d.Path), d.Err)
		}
	}
	fmt.Fprintln(w)
	printNextStart(w, log, in)
	switch {
	case in.RecoverErr != nil:
		return cli.Exit("", exitCheckpointRefused)
	case len(damaged) > 0:
		return cli.Exit("", exitCheckpointDamaged)
	}
	return nil
}

// truncateCheckpoint moves the batches after ms aside and prints what a
// start then does.
func truncateCheckpoint(ctx context.Context, w io.Writer, log *hdfscheckpoint.Log, ms int64) error {
	t, err := log.TruncateAfter(ctx, ms, time.Now())
	if err != nil {
		return err
	}
	if len(t.Batches) == 0 {
		fmt.Fprintf(w, "No batch after %d in %s: nothing moved.\n", ms, log.Name())
	} else {
		times := make([]string, len(t.Batches))
		for i, b := range t.Batches {
			times[i] = fmt.Sprint(b)
		}
		fmt.Fprintf(w, "Moved %d batches after %d aside to %s: %s\n", len(t.Batches), ms, relativeEntry(log, t.Aside), strings.Join(times, " "))
		fmt.Fprintf(w, "Their records are read again by the next start. What they wrote stays in the sink: with the file sink, move <spindle.sink.path>/batch=<BATCH_TIME_MS> and <spindle.sink.path>/_deadletter/batch=<BATCH_TIME_MS> of each aside before starting, or those records are written twice; consumers of a Kafka sink see them again under new batch times.\n")
	}
	in, err := log.Inspect(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	printNextStart(w, log, in)
	if in.RecoverErr != nil {
		return cli.Exit("", exitCheckpointRefused)
	}
	return nil
}

// printNextStart says where a driver starting on the checkpoint resumes,
// or why it refuses.
func printNextStart(w io.Writer, log *hdfscheckpoint.Log, in hdfscheckpoint.Inspection) {
	var re *hdfscheckpoint.RecoveryError
	if errors.As(in.RecoverErr, &re) {
		fmt.Fprintf(w, "Next start: refused. %s\n", strings.TrimPrefix(re.Error(), hdfscheckpoint.ErrDamagedCheckpoint.Error()+" "))
		return
	}
	rec := in.Recovery
	switch {
	case rec.LastCommitted == nil && len(rec.Replay) == 0:
		fmt.Fprintln(w, "Next start: the checkpoint holds no batch; reading starts per spindle.kafka.auto.offset.reset.")
		return
	case rec.LastCommitted == nil:
		fmt.Fprintln(w, "Next start: no batch has committed yet.")
	default:
		fmt.Fprintf(w, "Next start: resumes after batch %d.\n", rec.LastCommitted.BatchTime.UnixMilli())
	}
	for _, rb := range rec.Replay {
		what := "with the ranges of its offsets entry"
		switch rb.How {
		case hdfscheckpoint.ReplayRebuilt:
			what = "with ranges rebuilt from the batches around it (" + relativeEntry(log, rb.Damaged) + " cannot be read)"
		case hdfscheckpoint.ReplayToLatest:
			what = "from where the batch before it ended up to the latest offsets (" + relativeEntry(log, rb.Damaged) + " cannot be read)"
		}
		state := "uncommitted"
		if rb.Committed {
			state = "committed"
		}
		fmt.Fprintf(w, "  runs batch %d (%s) again %s\n", rb.BatchTime.UnixMilli(), state, what)
	}
}

// entryWord is an entry's column in the -verify table.
func entryWord(e hdfscheckpoint.EntryStatus) string {
	switch {
	case e.Path == "":
		return "-"
	case e.Err == nil:
		return "ok"
	case errors.Is(e.Err, hdfscheckpoint.ErrNewerFormat):
		return "NEWER FORMAT"
	case errors.Is(e.Err, hdfscheckpoint.ErrNotFound):
		return "MISSING"
	}
	return "DAMAGED"
}

// relativeEntry is p within the checkpoint directory.
func relativeEntry(log *hdfscheckpoint.Log, p string) string {
	return strings.TrimPrefix(p, strings.TrimSuffix(log.Dir(), "/")+"/")
}
