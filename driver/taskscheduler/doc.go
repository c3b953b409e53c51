// Package taskscheduler is the driver's task scheduler, as Spark's
// TaskSchedulerImpl and TaskSetManager cut down to what a micro-batch needs:
// a batch is a task set with one task per partition range; tasks go to
// executors with free cores; a task prefers the executor (then the host)
// that last ran its partition and waits up to spark.locality.wait per
// locality level before running elsewhere; a failed task is retried, on
// another executor where there is one, up to spark.task.maxFailures, after
// which the task set fails with the task's error. A task that runs past
// spindle.task.timeout is launched once more on another executor and the
// first attempt to succeed wins (what spark.speculation does in Spark,
// there judged against the other tasks' durations, here by a time bound). Every launch has a TID;
// a core is held until the end of the launch on it is reported, whichever
// task set it belonged to.
package taskscheduler
