package kafkasource

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/streaming/ratecontrol"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestPlanThenReadExactlyTheProducedRecords(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 3, "audit": 1}, kafkatest.WithBrokers(3))
	counts := map[int32]int{0: 120, 1: 7, 2: 0}
	for p, n := range counts {
		b.Produce(t, "orders", p, n, kv)
	}
	b.Produce(t, "audit", 0, 5, kv)

	cfg := testConfig(b, ResetEarliest, "orders", "audit")
	p := newTestPlanner(t, cfg)
	r := newTestReader(t, cfg)

	plan := mustPlan(t, p, PlanInput{BatchDuration: time.Second})
	want := []OffsetRange{
		{Topic: "audit", Partition: 0, From: 0, Until: 5},
		{Topic: "orders", Partition: 0, From: 0, Until: 120},
		{Topic: "orders", Partition: 1, From: 0, Until: 7},
		{Topic: "orders", Partition: 2, From: 0, Until: 0},
	}
	if len(plan.Ranges) != len(want) {
		t.Fatalf("Ranges = %v, want %v", plan.Ranges, want)
	}
	for i := range want {
		if plan.Ranges[i] != want[i] {
			t.Fatalf("Ranges = %v, want %v", plan.Ranges, want)
		}
	}
	if plan.Lag != 0 || len(plan.OutOfRange) != 0 {
		t.Fatalf("Lag = %d, OutOfRange = %v; want 0 and none", plan.Lag, plan.OutOfRange)
	}
	for _, rng := range plan.Ranges {
		checkRecords(t, mustRead(t, r, rng), rng.Topic, rng.Partition, rng.From, rng.Until)
	}

	// The next batch covers exactly what was written since.
	b.Produce(t, "orders", 1, 30, func(i int) ([]byte, []byte) { return kv(i + 7) })
	plan = mustPlan(t, p, PlanInput{Current: next(plan), BatchDuration: time.Second})
	rng := rangeOf(t, plan, "orders", 1)
	if rng.From != 7 || rng.Until != 37 {
		t.Fatalf("second batch range = %s, want [7, 37)", rng)
	}
	checkRecords(t, mustRead(t, r, rng), "orders", 1, 7, 37)
	for _, other := range plan.Ranges {
		if other != rng && other.Count() != 0 {
			t.Fatalf("second batch range %s is not empty", other)
		}
	}
}

func TestPlanLatestStartsAtTheEnd(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 2})
	b.Produce(t, "t", 0, 10, kv)
	p := newTestPlanner(t, testConfig(b, ResetLatest, "t"))
	plan := mustPlan(t, p, PlanInput{BatchDuration: time.Second})
	if r := rangeOf(t, plan, "t", 0); r.From != 10 || r.Until != 10 {
		t.Fatalf("range with auto.offset.reset=latest = %s, want empty at 10", r)
	}
	b.Produce(t, "t", 0, 3, func(i int) ([]byte, []byte) { return kv(i + 10) })
	plan = mustPlan(t, p, PlanInput{Current: next(plan), BatchDuration: time.Second})
	if r := rangeOf(t, plan, "t", 0); r.From != 10 || r.Until != 13 {
		t.Fatalf("range after producing 3 = %s, want [10, 13)", r)
	}
}

func TestPlanMaxRatePerPartition(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 2})
	b.Produce(t, "t", 0, 100, kv)
	b.Produce(t, "t", 1, 15, kv)
	cfg := testConfig(b, ResetEarliest, "t")
	cfg.MaxRatePerPartition = 10
	p := newTestPlanner(t, cfg)
	r := newTestReader(t, cfg)

	// 10 records/s for 2s: 20 per partition per batch.
	plan := mustPlan(t, p, PlanInput{BatchDuration: 2 * time.Second})
	if r0, r1 := rangeOf(t, plan, "t", 0), rangeOf(t, plan, "t", 1); r0.Until != 20 || r1.Until != 15 {
		t.Fatalf("ranges = %s, %s; want [0, 20) and [0, 15)", r0, r1)
	}
	if plan.Lag != 80 {
		t.Fatalf("Lag = %d, want 80 records left on partition 0", plan.Lag)
	}
	// Draining partition 0 takes five batches of 20.
	var got []Record
	for batch := 0; batch < 5; batch++ {
		rng := rangeOf(t, plan, "t", 0)
		if rng.Count() != 20 {
			t.Fatalf("batch %d range %s, want 20 records", batch, rng)
		}
		got = append(got, mustRead(t, r, rng)...)
		plan = mustPlan(t, p, PlanInput{Current: next(plan), BatchDuration: 2 * time.Second})
	}
	checkRecords(t, got, "t", 0, 0, 100)
	if rng := rangeOf(t, plan, "t", 0); rng.Count() != 0 || plan.Lag != 0 {
		t.Fatalf("after draining: range %s, lag %d; want empty and 0", rng, plan.Lag)
	}
}

func TestPlanBackpressureSplitsByLag(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 2}, kafkatest.WithBrokers(2))
	b.Produce(t, "t", 0, 900, kv)
	b.Produce(t, "t", 1, 100, kv)
	cfg := testConfig(b, ResetEarliest, "t")
	p := newTestPlanner(t, cfg)

	for _, tc := range []struct {
		name    string
		maxRate int64
		rate    float64
		want0   int64
		want1   int64
	}{
		// 100/s across lags 900:100, for 1s.
		{"lagging partition gets more", 0, 100, 90, 10},
		// The per-partition cap still applies to the lagging one.
		{"max rate caps the share", 50, 100, 50, 10},
		// Rate above the backlog: everything.
		{"rate above backlog", 0, 1_000_000, 900, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.cfg.MaxRatePerPartition = tc.maxRate
			plan := mustPlan(t, p, PlanInput{BatchDuration: time.Second, RateLimit: tc.rate, Current: map[TopicPartition]int64{{"t", 0}: 0, {"t", 1}: 0}})
			if r0, r1 := rangeOf(t, plan, "t", 0), rangeOf(t, plan, "t", 1); r0.Count() != tc.want0 || r1.Count() != tc.want1 {
				t.Fatalf("ranges = %s, %s; want %d and %d records", r0, r1, tc.want0, tc.want1)
			}
			if plan.Lag != 1000-tc.want0-tc.want1 {
				t.Fatalf("Lag = %d, want %d", plan.Lag, 1000-tc.want0-tc.want1)
			}
		})
	}
}

func TestPlanMinRateFloor(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 2})
	b.Produce(t, "t", 0, 990, kv)
	b.Produce(t, "t", 1, 10, kv)
	cfg := testConfig(b, ResetEarliest, "t")
	for _, tc := range []struct {
		minRate int64
		want1   int64
	}{
		// 10/s split 990:10 gives partition 1 a tenth of a record: 0,
		// raised to the floor.
		{0, 0},
		{1, 1},
		{5, 5},
		// The floor never reads past the latest offset.
		{50, 10},
	} {
		cfg.MinRatePerPartition = tc.minRate
		p := newTestPlanner(t, cfg)
		plan := mustPlan(t, p, PlanInput{BatchDuration: time.Second, RateLimit: 10})
		r0, r1 := rangeOf(t, plan, "t", 0), rangeOf(t, plan, "t", 1)
		want0 := max(int64(9), tc.minRate)
		if r0.Count() != want0 || r1.Count() != tc.want1 {
			t.Fatalf("min rate %d: ranges %s, %s; want %d and %d records", tc.minRate, r0, r1, want0, tc.want1)
		}
	}
}

func TestPlanInitialRateFromRateController(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	b.Produce(t, "t", 0, 5000, kv)
	cfg := testConfig(b, ResetEarliest, "t")
	cfg.MaxRatePerPartition = 1000
	p := newTestPlanner(t, cfg)

	// Spark's "backpressure.initialRate should honor maxRatePerPartition"
	// and "use backpressure.initialRate with backpressure", on a 500ms batch.
	for _, tc := range []struct {
		maxRate, initial int64
		want             int64
	}{{1000, 500, 250}, {300, 1000, 150}} {
		rc, err := ratecontrol.NewRateController(ratecontrol.Config{
			Enabled: true, InitialRate: float64(tc.initial), PID: ratecontrol.DefaultPIDConfig(500 * time.Millisecond),
		})
		if err != nil {
			t.Fatal(err)
		}
		p.cfg.MaxRatePerPartition = tc.maxRate
		plan := mustPlan(t, p, PlanInput{BatchDuration: 500 * time.Millisecond, RateLimit: rc.Limit()})
		if got := rangeOf(t, plan, "t", 0).Count(); got != tc.want {
			t.Fatalf("maxRate %d initialRate %d: %d records, want %d", tc.maxRate, tc.initial, got, tc.want)
		}
	}
}

func TestPlanPicksUpNewPartitions(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"grow": 2})
	b.Produce(t, "grow", 0, 3, kv)
	cfg := testConfig(b, ResetEarliest, "grow")
	p := newTestPlanner(t, cfg)
	r := newTestReader(t, cfg)
	plan := mustPlan(t, p, PlanInput{BatchDuration: time.Second})
	if len(plan.Ranges) != 2 {
		t.Fatalf("Ranges = %v, want 2 partitions", plan.Ranges)
	}

	b.AddPartitions(t, "grow", 4)
	b.Produce(t, "grow", 3, 4, kv)
	plan = mustPlan(t, p, PlanInput{Current: next(plan), BatchDuration: time.Second})
	if len(plan.Ranges) != 4 {
		t.Fatalf("Ranges after adding partitions = %v, want 4", plan.Ranges)
	}
	rng := rangeOf(t, plan, "grow", 3)
	if rng.From != 0 || rng.Until != 4 {
		t.Fatalf("new partition range = %s, want [0, 4) with auto.offset.reset=earliest", rng)
	}
	checkRecords(t, mustRead(t, r, rng), "grow", 3, 0, 4)
	if r0 := rangeOf(t, plan, "grow", 0); r0.From != 3 || r0.Until != 3 {
		t.Fatalf("old partition range = %s, want empty at 3", r0)
	}

	// With none, a new partition cannot be started.
	b.AddPartitions(t, "grow", 5)
	cfg.AutoOffsetReset = ResetNone
	pn := newTestPlanner(t, cfg)
	_, err := pn.Plan(context.Background(), PlanInput{Current: next(plan), BatchDuration: time.Second})
	if !errors.Is(err, ErrNoOffset) || !strings.Contains(err.Error(), "grow-4") {
		t.Fatalf("Plan with a new partition and reset none = %v, want ErrNoOffset naming grow-4", err)
	}
}

func TestPlanOffsetDeletedByRetention(t *testing.T) {
	for _, tc := range []struct {
		reset     string
		wantFrom  int64
		wantLost  int64
		wantErr   bool
		lostUntil int64
	}{
		{reset: ResetEarliest, wantFrom: 60, wantLost: 50, lostUntil: 60},
		{reset: ResetLatest, wantFrom: 100, wantLost: 90, lostUntil: 100},
		{reset: ResetNone, wantErr: true, lostUntil: 60},
	} {
		t.Run(tc.reset, func(t *testing.T) {
			b := kafkatest.Start(t, map[string]int32{"ret": 1})
			b.Produce(t, "ret", 0, 100, kv)
			b.DeleteRecords(t, "ret", 0, 60)

			core, logs := observer.New(zapcore.InfoLevel)
			cfg := testConfig(b, tc.reset, "ret")
			cfg.Logger = zap.New(core)
			p := newTestPlanner(t, cfg)
			plan, err := p.Plan(context.Background(), PlanInput{Current: map[TopicPartition]int64{{"ret", 0}: 10}, BatchDuration: time.Second})

			lines := logs.FilterLevelExact(zapcore.ErrorLevel).All()
			if len(lines) != 1 {
				t.Fatalf("got %d error lines, want 1: %v", len(lines), logs.All())
			}
			f := lines[0].ContextMap()
			if f["topic"] != "ret" || f["partition"] != int32(0) || f["lost_from"] != int64(10) || f["lost_until"] != tc.lostUntil {
				t.Fatalf("error line %q fields %v; want topic ret, partition 0, lost [10, %d)", lines[0].Message, f, tc.lostUntil)
			}

			if tc.wantErr {
				if !errors.Is(err, ErrNoOffset) || !strings.Contains(err.Error(), "ret-0") {
					t.Fatalf("Plan = %v, want ErrNoOffset naming ret-0", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := OutOfRangeEvent{Topic: "ret", Partition: 0, Offset: 10, Earliest: 60, Latest: 100, ResetTo: tc.wantFrom, Lost: tc.wantLost}
			if len(plan.OutOfRange) != 1 || plan.OutOfRange[0] != want {
				t.Fatalf("OutOfRange = %+v, want %+v", plan.OutOfRange, want)
			}
			if rng := rangeOf(t, plan, "ret", 0); rng.From != tc.wantFrom || rng.Until != 100 {
				t.Fatalf("range = %s, want [%d, 100)", rng, tc.wantFrom)
			}
		})
	}
}

func TestPlanOffsetBeyondTheEnd(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	b.Produce(t, "t", 0, 5, kv)
	p := newTestPlanner(t, testConfig(b, ResetEarliest, "t"))
	plan := mustPlan(t, p, PlanInput{Current: map[TopicPartition]int64{{"t", 0}: 50}, BatchDuration: time.Second})
	want := OutOfRangeEvent{Topic: "t", Partition: 0, Offset: 50, Earliest: 0, Latest: 5, ResetTo: 0, Lost: 0}
	if len(plan.OutOfRange) != 1 || plan.OutOfRange[0] != want {
		t.Fatalf("OutOfRange = %+v, want %+v", plan.OutOfRange, want)
	}
	if rng := rangeOf(t, plan, "t", 0); rng.From != 0 || rng.Until != 5 {
		t.Fatalf("range = %s, want [0, 5)", rng)
	}
}

func TestPlanErrors(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	cfg := testConfig(b, ResetEarliest, "t")
	p := newTestPlanner(t, cfg)
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		in   PlanInput
		want error
	}{
		{"zero batch", PlanInput{}, ErrInvalidConfig},
		{"NaN rate", PlanInput{BatchDuration: time.Second, RateLimit: nan()}, ErrInvalidConfig},
		{"negative offset", PlanInput{BatchDuration: time.Second, Current: map[TopicPartition]int64{{"t", 0}: -1}}, ErrInvalidRange},
	} {
		if _, err := p.Plan(ctx, tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: Plan = %v, want %v", tc.name, err, tc.want)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Plan(cancelled, PlanInput{BatchDuration: time.Second}); !errors.Is(err, context.Canceled) {
		t.Errorf("Plan with a cancelled context = %v", err)
	}

	cfg.Topics = []string{"t", "missing"}
	cfg.ClientConfig = newSaramaConfig()
	cfg.ClientConfig.Metadata.Retry.Backoff = 10 * time.Millisecond
	pm := newTestPlanner(t, cfg)
	if _, err := pm.Plan(ctx, PlanInput{BatchDuration: time.Second}); !errors.Is(err, ErrUnknownTopic) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Plan with an unknown topic = %v, want ErrUnknownTopic naming it", err)
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}
