package driver

import (
	"errors"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

// TestReceiversWithoutWALNeedTwoCores: without the write-ahead log a
// receiver's blocks are processed only on its executor, so executors of
// one core are refused before any receiver runs, saying what to set; the
// write-ahead log, two cores or no receivers pass.
func TestReceiversWithoutWALNeedTwoCores(t *testing.T) {
	settings := func(keys map[string]string) receiverSettings {
		t.Helper()
		a, err := conf.AppConfFrom(keys)
		if err != nil {
			t.Fatal(err)
		}
		return receiverSettingsFromApp(a)
	}
	err := settings(nil).check(1)
	if !errors.Is(err, ErrNoRetry) || !strings.Contains(err.Error(), "the job has 1 receivers, spark.streaming.receiver.writeAheadLog.enable is false and spark.executor.cores is 1") ||
		!strings.Contains(err.Error(), "set spark.executor.cores to 2 or more, or spark.streaming.receiver.writeAheadLog.enable=true") {
		t.Fatalf("one core without the log: %v", err)
	}
	for _, keys := range []map[string]string{
		{conf.KeyReceiverWAL: "true"},
		{conf.KeyExecutorCores: "2"},
	} {
		if err := settings(keys).check(3); err != nil {
			t.Errorf("%v: %v", keys, err)
		}
	}
	if err := settings(nil).check(0); err != nil {
		t.Errorf("no receivers: %v", err)
	}
}
