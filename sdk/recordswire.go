package sdk

import (
	"fmt"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/protobuf/proto"
)

// MarshalRecords lays records out as they cross the plugin boundary
// (jobpb.Records, column by column), for a host that keeps them, such as
// a receiver's write-ahead log.
func MarshalRecords(recs []Record) ([]byte, error) {
	b, err := proto.Marshal(recordsToProto(recs, nil))
	if err != nil {
		return nil, fmt.Errorf("sdk: marshal %d records: %w", len(recs), err)
	}
	return b, nil
}

// UnmarshalRecords undoes MarshalRecords; columns that do not fit
// together fail with ErrProtocol.
func UnmarshalRecords(b []byte) ([]Record, error) {
	var pr jobpb.Records
	if err := proto.Unmarshal(b, &pr); err != nil {
		return nil, fmt.Errorf("%w: records: %v", ErrProtocol, err)
	}
	return recordsFromProto(&pr, nil)
}
