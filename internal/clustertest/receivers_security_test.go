package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestOutsidersCannotViewOrFeedReceivers: an application's receivers
// resource, /api/v1/streaming/receivers, answers its owner and refuses
// bob, a user of the cluster not on its view ACL, at the AM and through
// the RM's proxy, and callers without a certificate of the cluster at the
// AM. A process that does not hold the application's secret cannot report
// a block to the driver over the Task endpoint the receivers' blocks
// ride on. The refusals are logged by the AM.
func TestOutsidersCannotViewOrFeedReceivers(t *testing.T) {
	b, c, dir, _ := queueCluster(t)
	sub := queueJob(t, c, b, "tx", dir, "--conf", "spark.streaming.receiver.writeAheadLog.enable=true")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	logQueueAppOnFailure(t, c, appID)
	proxied := trackingURL(t, c, appID) + "/api/v1/streaming/receivers"
	attempts, err := c.Client().GetApplicationAttempts(context.Background(), &pb.GetApplicationAttemptsRequest{ApplicationId: appID})
	if err != nil || len(attempts.GetAttempts()) == 0 {
		t.Fatalf("attempts of %s: %v", appID, err)
	}
	own := strings.TrimSuffix(attempts.GetAttempts()[0].GetTrackingUrl(), "/") + "/api/v1/streaming/receivers"

	// The owner sees the running receiver, at the AM and through the proxy.
	for _, url := range []string{own, proxied} {
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			code, body := getAs(t, c.TLS.ClientTLS, url)
			var rs []struct {
				StreamName string `json:"streamName"`
				IsActive   bool   `json:"isActive"`
			}
			if code != http.StatusOK || json.Unmarshal([]byte(body), &rs) != nil {
				return false, fmt.Sprintf("owner's GET %s: %d %q", url, code, body)
			}
			return len(rs) == 1 && rs[0].IsActive && rs[0].StreamName == "amqp-tx", fmt.Sprintf("receivers at %s: %+v", url, rs)
		})
	}
	bob := c.TLS.UserTLS(t, "bob")
	for _, url := range []string{own, proxied} {
		if code, body := getAs(t, bob, url); code != http.StatusForbidden {
			t.Errorf("bob's GET %s: %d %q, want 403", url, code, body)
		}
	}
	for name, m := range outsiders(t, c) {
		if code, body := getAs(t, m, own); httpOK(code) || strings.Contains(body, "amqp-tx") {
			t.Errorf("GET %s with %s: %d %q, want a refusal", own, name, code, body)
		}
	}
	waitAMLog(t, c, appID, "bob's refused receivers request", "access denied", `"user": "bob"`, "VIEW_APP", "/api/v1/streaming/receivers")
	waitAMLog(t, c, appID, "the refused handshakes at the AM's web endpoint", "connection refused: TLS handshake failed", `"endpoint": "web"`)

	// A rogue reporting a block of receiver 0 is refused before the
	// driver reads it.
	rogueSends(t, c, appID, &pb.ExecutorMessage{Message: &pb.ExecutorMessage_AddBlock{AddBlock: &pb.AddBlock{BlockId: "input-0-rogue", StreamId: 0, Records: 1000}}}, "block")
	waitAMLog(t, c, appID, "the refused Task connections", "connection refused: TLS handshake failed", `"endpoint": "Task"`)
	if log := amLog(t, c, appID, 1); strings.Contains(log, "input-0-rogue") {
		t.Fatalf("the driver's log mentions the rogue's block:\n%s", log)
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("%s is %v after the rogue's attempts, want RUNNING", appID, r.GetState())
	}
}
