// Package shuffle is Spindle's sort shuffle, as Spark's: the file format
// of a map task's output (one data file and one index per map task, the
// records of each reduce partition together and sorted by key), the hash
// partitioner that decides which reduce partition a key goes to, the
// merge of sorted blocks on the reduce side, and the shuffle service that
// serves map outputs over an authenticated connection: run by the
// NodeManager as YARN's spark_shuffle auxiliary service, so that a map
// output outlives the executor that wrote it, and by executors for the
// blocks they keep themselves.
//
// Layout on a node: <local-dir>/<appId>/shuffle/<batchMs>/map-<n>.data
// and .index, where a batch's map task n wrote the records of every keyed
// stage of the job, stage after stage, each stage's reduce partitions in
// order.
package shuffle
