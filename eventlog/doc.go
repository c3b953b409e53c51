// Package eventlog writes and replays an application's event log: its
// batches, executors and task ends, as the ApplicationMaster's Streaming
// tab saw them (spark.eventLog.enabled, spark.eventLog.dir). A log is a
// directory eventlog_v2_<applicationId>_<attempt> in a Store (file:// or
// hdfs://) holding numbered segments of JSON lines, written whole and
// atomically, and a status file that says whether the application is
// still running. Old segments are compacted into one snapshot of what the
// pages show, so a log of a 24/7 application stays small. After the
// application ends, History (in the ResourceManager or `spindle history`)
// replays the log and serves the same Streaming tab.
package eventlog
