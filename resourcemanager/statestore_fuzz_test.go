package resourcemanager

import (
	"bytes"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// FuzzStateRecord: a stored application record, however damaged, is read
// or refused with an error, never a panic; a record that reads back is
// written again the same way.
func FuzzStateRecord(f *testing.F) {
	app := &rmApp{id: "application_1_0001", state: pb.ApplicationState_APPLICATION_STATE_ACCEPTED, submitTime: time.UnixMilli(1000),
		ctx: &pb.ApplicationSubmissionContext{ApplicationId: "application_1_0001", Queue: "default",
			Supervise: &pb.SupervisePolicy{InitialBackoffMs: 1000, MaxBackoffMs: 60000}}}
	app.attempts = []*rmAttempt{{id: "appattempt_1_0001_000001", app: app, state: pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_FAILED,
		token: &pb.Token{}, startTime: time.UnixMilli(1000), finishTime: time.UnixMilli(2000), countsAsFailure: true}}
	app.supervision = &supervision{backoff: 2 * time.Second, relaunchAt: time.UnixMilli(4000), relaunches: 1}
	good, err := record(app)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"version":1,"context":{},"attempts":[],"supervision":{"roundStart":3}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		app, err := fromRecord(raw)
		if err != nil {
			return
		}
		again, err := record(app)
		if err != nil {
			t.Fatalf("a record that reads back cannot be written: %v", err)
		}
		app2, err := fromRecord(again)
		if err != nil {
			t.Fatalf("a rewritten record does not read back: %v", err)
		}
		third, err := record(app2)
		if err != nil || !bytes.Equal(again, third) {
			t.Fatalf("record changes when read and written again:\n%s\n%s", again, third)
		}
	})
}
