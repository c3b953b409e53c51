// Package dfs is Spindle's storage: one Store interface with a file://
// backend (FileStore, a local or mounted directory) and an hdfs:// backend
// (HDFSStore, through colinmarc/hdfs with core-site.xml and hdfs-site.xml
// found as every command finds Hadoop's files, HA nameservices and
// retries). Checkpoints, the shutdown marker, staged application files,
// the ResourceManager's state and aggregated logs all live on a Store,
// opened from a URI with Open.
//
// Paths within a Store are absolute and slash-separated; a FileStore
// resolves them under its root directory and refuses any that climb above
// it with "..". Every write is atomic: it goes to a temporary file in the
// same directory that is synced (or, on HDFS, completed) and renamed into
// place, so readers see the old content or the new, never a torn file.
// Missing paths wrap ErrNotFound and rename targets that exist wrap
// ErrExists.
package dfs
