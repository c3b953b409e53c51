package resourcemanager

import (
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/resourcemanager/scheduler"
)

// The RM, not the AM, says why a live application waits: it knows the
// nodes and refuses the asks. A live application's report carries these
// reasons in its diagnostics, as YARN's does for an AM waiting for its
// container; they are gone once the reason is.

// updateWaitingLocked records, for each live attempt, the asks that fit no
// registered node.
func (rm *ResourceManager) updateWaitingLocked() {
	for _, t := range rm.attempts {
		if t.finished() || t.app.finished() {
			continue
		}
		unfit, largest := rm.sched.UnfitAsks(t.id)
		t.waiting = rm.describeUnfit(t, unfit, largest)
	}
}

// describeUnfit says which of t's asks fit no node, and what would.
func (rm *ResourceManager) describeUnfit(t *rmAttempt, unfit []scheduler.UnfitAsk, largest scheduler.Resource) string {
	if len(unfit) == 0 {
		return ""
	}
	var b strings.Builder
	for i, u := range unfit {
		if i > 0 {
			b.WriteString("; ")
		}
		what := fmt.Sprintf("%d container(s) of %s at priority %d", u.Count, u.Capability, u.Priority)
		if u.Priority == amPriority && !t.app.ctx.GetUnmanagedAm() && t.amContainer == "" {
			what = fmt.Sprintf("the AM container of %s (spark.driver.memory + overhead, spark.driver.cores)", u.Capability)
		} else if u.Priority >= 1 && !t.app.ctx.GetUnmanagedAm() {
			what = fmt.Sprintf("%d executor container(s) of %s (spark.executor.memory + overhead, spark.executor.cores)", u.Count, u.Capability)
		}
		b.WriteString(what)
	}
	if largest.IsZero() {
		return fmt.Sprintf("Waiting: no NodeManager is registered for %s.", b.String())
	}
	return fmt.Sprintf("Waiting: %s fit(s) no registered node: the nodes offer at most %s (yarn.nodemanager.resource.memory-mb, yarn.nodemanager.resource.cpu-vcores). It waits until a node that large registers; ask for less to run now.",
		b.String(), largest)
}

// liveDiagnostics are a live application's diagnostics: its own, with
// why its current attempt waits.
func liveDiagnostics(app *rmApp) string {
	parts := []string{}
	if app.diagnostics != "" {
		parts = append(parts, app.diagnostics)
	}
	if t := app.current(); t != nil && !t.finished() {
		for _, d := range []string{t.refusal, t.waiting} {
			if d != "" {
				parts = append(parts, d)
			}
		}
	}
	return strings.Join(parts, "\n")
}
