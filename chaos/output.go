package chaos

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeReport measures every kill over the whole run, sums them up, and
// writes the report, the summary and the plot.
func (r *runner) writeReport(kills []Kill) error {
	samples, batches := r.obs.all()
	input, start := r.prod.PerSecond(), r.prod.Started()
	processed := processedSeries(start, r.report.Ended, batches, recoveryWindow)
	for i, k := range kills {
		until := r.report.Ended
		if i+1 < len(kills) {
			until = kills[i+1].At
		}
		r.report.Kills = append(r.report.Kills, measure(measureInput{
			kill: k, samples: samples, batches: batches, until: until, executors: r.cfg.Executors, nodeManagers: r.cfg.NodeManagers,
			batchDuration: r.cfg.BatchDuration, start: start, input: input, processed: processed,
		}))
	}
	r.report.ByKind = summarize(r.report.Kills)
	r.report.Targets = targets(r.report.ByKind, r.report.Verification)

	var errs []error
	r.report.Plot = filepath.Join(r.dir, TimelineFile)
	plot := timelineData{
		input: input, processed: processed, delays: batches, kills: kills, start: start,
		title: fmt.Sprintf("%s under chaos: %d faults, seed %d", r.appID, len(kills), r.cfg.Seed),
	}
	if err := writeTimeline(r.report.Plot, plot); err != nil {
		r.report.Plot = ""
		errs = append(errs, err)
	}
	if err := writeTimeline(filepath.Join(r.dir, TimelinePNG), plot); err != nil {
		errs = append(errs, err)
	}
	if err := r.report.writeJSON(filepath.Join(r.dir, ReportFile)); err != nil {
		errs = append(errs, err)
	}
	var summary strings.Builder
	r.report.WriteSummary(&summary)
	if err := os.WriteFile(filepath.Join(r.dir, SummaryFile), []byte(summary.String()), 0o644); err != nil {
		errs = append(errs, fmt.Errorf("chaos: write the summary: %w", err))
	}
	_, err := io.WriteString(r.out, summary.String())
	return errors.Join(append(errs, err)...)
}
