package conf

// Application keys of receivers: jobs whose input comes from sources that
// cannot replay (a message queue, a socket), and their write-ahead logs.
const (
	KeyReceiverWAL               = "spark.streaming.receiver.writeAheadLog.enable"
	KeyReceiverWALRolling        = "spark.streaming.receiver.writeAheadLog.rollingIntervalSecs"
	KeyReceiverWALCloseFile      = "spark.streaming.receiver.writeAheadLog.closeFileAfterWrite"
	KeyReceiverWALMaxFailures    = "spark.streaming.receiver.writeAheadLog.maxFailures"
	KeyDriverWALRolling          = "spark.streaming.driver.writeAheadLog.rollingIntervalSecs"
	KeyDriverWALCloseFile        = "spark.streaming.driver.writeAheadLog.closeFileAfterWrite"
	KeyDriverWALMaxFailures      = "spark.streaming.driver.writeAheadLog.maxFailures"
	KeyDriverWALAllowBatching    = "spark.streaming.driver.writeAheadLog.allowBatching"
	KeyDriverWALBatchingTimeout  = "spark.streaming.driver.writeAheadLog.batchingTimeout"
	KeyReceiverMaxRate           = "spark.streaming.receiver.maxRate"
	KeyBlockInterval             = "spark.streaming.blockInterval"
	KeyReceiverRestartDelay      = "spark.streaming.receiverRestartDelay"
	KeyReceiverMaxFailures       = "spindle.streaming.receiver.maxFailures"
	closeFileNotice              = "Spindle writes each block (and each group of the driver's block records) to a file of its own and closes it before Store returns, so files are always closed after a write; the setting is ignored."
	receiverWALFamilyDescription = "Spark's other receiver write-ahead log settings (such as `.class`, a JVM implementation of the log): accepted and ignored."
)

var receiverKeys = []Key{
	{Name: KeyReceiverWAL, Type: TypeBool, Default: "false", Group: GroupStreaming,
		Description: "Receivers write every block they receive to a write-ahead log under the checkpoint directory (`receivedData/`) before `Store` returns, so that a receiver acknowledges its source only for data that survives the loss of its executor or of the driver. Off, blocks live only in the executor's memory and are lost with it, as in Spark."},
	{Name: KeyReceiverWALRolling, Type: TypeInt, Min: "1", Default: "60", Group: GroupStreaming, Check: atMostInt32,
		Description: "Seconds of blocks each directory of the receivers' write-ahead log holds (`log-<start>-<end>`); a directory is removed once none of its blocks is needed."},
	{Name: KeyReceiverWALCloseFile, Type: TypeBool, Default: "false", Group: GroupStreaming, Notice: func(string) string { return closeFileNotice },
		Description: "Accepted for Spark's scripts: Spindle always closes a block's file before `Store` returns."},
	{Name: KeyReceiverWALMaxFailures, Type: TypeInt, Min: "1", Default: "3", Group: GroupStreaming, Check: atMostInt32,
		Description: "Attempts to write a block to the receivers' write-ahead log before `Store` fails (the receiver then does not acknowledge its source)."},
	{Name: "spark.streaming.receiver.writeAheadLog.*", Type: TypeString, Group: GroupStreaming, Description: receiverWALFamilyDescription},
	{Name: KeyDriverWALRolling, Type: TypeInt, Min: "1", Default: "60", Group: GroupStreaming, Check: atMostInt32,
		Description: "Seconds of block records each directory of the driver's write-ahead log holds (`receivedBlockMetadata/log-<start>-<end>`), where the driver records every block a receiver stored before `Store` returns."},
	{Name: KeyDriverWALCloseFile, Type: TypeBool, Default: "false", Group: GroupStreaming, Notice: func(string) string { return closeFileNotice },
		Description: "Accepted for Spark's scripts: Spindle always closes a record's file before `Store` returns."},
	{Name: KeyDriverWALMaxFailures, Type: TypeInt, Min: "1", Default: "3", Group: GroupStreaming, Check: atMostInt32,
		Description: "Attempts to write the driver's record of a block before the block's `Store` fails."},
	{Name: KeyDriverWALAllowBatching, Type: TypeBool, Default: "true", Group: GroupStreaming,
		Description: "Blocks that arrive at the driver together are recorded in one write."},
	{Name: KeyDriverWALBatchingTimeout, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "5000ms", Group: GroupStreaming,
		Description: "How long a block waits for the driver to record it before its `Store` fails."},
	{Name: "spark.streaming.driver.writeAheadLog.*", Type: TypeString, Group: GroupStreaming,
		Description: "Spark's other driver write-ahead log settings (such as `.class`): accepted and ignored."},
	{Name: KeyReceiverMaxRate, Type: TypeInt, Min: "0", Default: "0", Group: GroupStreaming,
		Description: "Most records per second each receiver stores; 0 means no limit. Backpressure lowers it further: the estimator's rate is divided among the receivers."},
	{Name: KeyBlockInterval, Type: TypeDuration, Unit: "ms", Min: "1ms", Default: "200ms", Group: GroupStreaming,
		Description: "How often the records a receiver stores one at a time are cut into a block; each block becomes a chunk of its batch's task."},
	{Name: KeyReceiverRestartDelay, Type: TypeDuration, Unit: "ms", Min: "0ms", Default: "2000ms", Group: GroupStreaming,
		Description: "How long a receiver that failed or asked to restart waits before it starts again."},
	{Name: KeyReceiverMaxFailures, Type: TypeInt, Min: "0", Default: "10", Group: GroupStreaming, Check: atMostInt32,
		Description: "Starts of one receiver in a row that may fail (its `OnStart` returns an error, or it stops with one before storing anything) before the driver fails the application with the receiver's last error; 0 retries for ever, as Spark does."},
}
