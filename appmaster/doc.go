// Package appmaster is Spindle's ApplicationMaster, run by `spindle
// appmaster` inside the AM container: it registers with the RM with its
// attempt token, hosts the driver (cluster mode: a driver.Program or the
// job's driver process) or follows it (client mode, where it runs in
// `spindle submit`), asks for executor containers and starts them on their
// NMs, replaces executors that fail, and fails the application when
// failures within spark.yarn.executor.failuresValidityInterval exceed
// spark.yarn.max.executor.failures.
package appmaster
