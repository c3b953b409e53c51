package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
)

// trackingURL waits for the application's AM to register its tracking URL.
func trackingURL(t *testing.T, c *testutil.Cluster, appID string) string {
	t.Helper()
	var url string
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rep, err := c.Client().GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
		if err != nil {
			return false, err.Error()
		}
		url = strings.TrimSuffix(rep.GetReport().GetTrackingUrl(), "/")
		return strings.HasPrefix(url, "https://"), fmt.Sprintf("tracking URL %q", url)
	})
	return url
}

// checkConsumerGroup waits until the consumer group holds the latest
// offset of every partition of topic, as lag monitors read it.
func checkConsumerGroup(t *testing.T, b *kafkatest.Broker, group, topic string, partitions int32) {
	t.Helper()
	admin, err := sarama.NewClusterAdminFromClient(b.Client(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	for p := range partitions {
		_, want[p] = b.Offsets(t, topic, p)
	}
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		resp, err := admin.ListConsumerGroupOffsets(group, nil)
		if err != nil {
			return false, err.Error()
		}
		got := map[int32]int64{}
		for p := range partitions {
			if blk := resp.GetBlock(topic, p); blk != nil {
				got[p] = blk.Offset
			}
		}
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("group %s committed %v, want %v", group, got, want)
	})
}

// checkStreamingAPI reads the AM's streaming statistics and batches as
// Spark's REST API serves them, waiting until they count every record,
// and its per-partition lag metric.
func checkStreamingAPI(t *testing.T, tls *pki.Material, base string, records int64, partitions int) {
	t.Helper()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		var stats struct {
			NumTotalCompletedBatches int64 `json:"numTotalCompletedBatches"`
			NumProcessedRecords      int64 `json:"numProcessedRecords"`
		}
		raw := httpGet(t, tls, base+"/api/v1/streaming/statistics")
		if err := json.Unmarshal([]byte(raw), &stats); err != nil {
			t.Fatalf("statistics: %v\n%s", err, raw)
		}
		return stats.NumProcessedRecords == records && stats.NumTotalCompletedBatches > 0,
			fmt.Sprintf("statistics %s, want %d records processed", raw, records)
	})
	var batches []struct {
		BatchID    int64            `json:"batchId"`
		InputSize  int64            `json:"inputSize"`
		Stages     []map[string]any `json:"stages"`
		Partitions []map[string]any `json:"partitions"`
	}
	raw := httpGet(t, tls, base+"/api/v1/streaming/batches")
	if err := json.Unmarshal([]byte(raw), &batches); err != nil || len(batches) == 0 {
		t.Fatalf("batches: %v\n%.2000s", err, raw)
	}
	withRecords := 0
	for i, b := range batches {
		if i > 0 && b.BatchID >= batches[i-1].BatchID {
			t.Fatalf("batches not newest first: %d after %d", b.BatchID, batches[i-1].BatchID)
		}
		if b.InputSize > 0 {
			withRecords++
			if len(b.Stages) == 0 || len(b.Partitions) != partitions {
				t.Fatalf("batch %d: %d stages, %d partitions, want stage times and %d partitions", b.BatchID, len(b.Stages), len(b.Partitions), partitions)
			}
		}
	}
	if withRecords == 0 {
		t.Fatalf("no batch with records among %d", len(batches))
	}
	prom := httpGet(t, tls, base+"/metrics")
	for p := range partitions {
		series := fmt.Sprintf(`spindle_am_kafka_consumer_lag_records\{application_id="application_\d+_\d+",partition="%d",topic="transactions"\} 0\n`, p)
		if !regexp.MustCompile(series).MatchString(prom) {
			t.Fatalf("/metrics lacks %q", series)
		}
	}
}
