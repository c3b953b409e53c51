// Package wal is the write-ahead logs of receivers, as Spark's
// FileBasedWriteAheadLog, on a dfs.Store (file:// or hdfs://) under the
// checkpoint directory:
//
//	<dir>/receivedData/<streamId>/log-<startMs>-<endMs>/<blockId>
//	        each block a receiver stored, written by its executor
//	<dir>/receivedBlockMetadata/log-<startMs>-<endMs>/<firstSeq>-<lastSeq>
//	        the driver's record of the blocks it was told of
//
// Every file is written atomically (a temporary file renamed into place)
// and so closed before a write returns: a block whose write returned is
// whole in the log, one whose write did not is absent. A directory holds
// the files of one rolling interval
// (spark.streaming.*.writeAheadLog.rollingIntervalSecs) and is removed
// once its files are.
//
// A block file and a metadata file are framed the same way: a four-byte
// magic naming the kind and format version, the body, and a CRC-32C of
// both. A block's body is its id, stream and records (sdk.MarshalRecords);
// a metadata file's body is JSON. Decoders refuse anything else with
// ErrCorrupt, and never panic on any input.
package wal
