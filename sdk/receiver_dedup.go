package sdk

// Headers a receiver sets on its records so that a record its source
// delivers again after a failure is stored once: a source that redelivers
// what was not acknowledged (a message queue) may redeliver records that
// were stored but whose acknowledgement was lost with the receiver.
const (
	// HeaderReceiverID is the source's id of the record, such as an AMQP
	// message id.
	HeaderReceiverID = "spindle.receiver.id"
	// HeaderRedelivered marks a record the source says it delivered
	// before. Spindle stores it only if the last block the receiver
	// stored before it restarted, here or on another executor, does not
	// hold a record of the same id.
	HeaderRedelivered = "spindle.receiver.redelivered"
)
