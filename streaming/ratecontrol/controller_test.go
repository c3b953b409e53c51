package ratecontrol

import (
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRateControllerDisabled(t *testing.T) {
	rc, err := NewRateController(Config{InitialRate: 500})
	if err != nil {
		t.Fatal(err)
	}
	rc.OnBatchCompleted(BatchInfo{Time: ms(0), Records: 10, ProcessingDelay: d(10)})
	rc.OnBatchCompleted(BatchInfo{Time: ms(10), Records: 10, ProcessingDelay: d(10)})
	if r, ok := rc.Rate(); ok {
		t.Fatalf("disabled controller has rate %v", r)
	}
	if l := rc.Limit(); l != 0 {
		t.Fatalf("disabled controller Limit() = %v, want 0 (initial rate only applies with backpressure)", l)
	}
}

func TestRateControllerPublishesRates(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	var (
		mu        sync.Mutex
		published []float64
	)
	cfg := Config{
		Enabled:     true,
		InitialRate: 300,
		PID:         DefaultPIDConfig(time.Second),
		Logger:      zap.New(core),
		OnRate: func(r float64) {
			mu.Lock()
			defer mu.Unlock()
			published = append(published, r)
		},
	}
	rc, err := NewRateController(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l := rc.Limit(); l != 300 {
		t.Fatalf("Limit() before any estimate = %v, want the initial rate 300", l)
	}
	// The hand-worked batches of TestPIDCompute, plus one giving a
	// fractional rate: b4 processingRate 1000/3000ms = 333.33..., error
	// 400-333.33 = 66.67, historical 0; 400 - 66.67 = 333.33 -> 333.
	for _, b := range []BatchInfo{
		{Time: ms(1000), Records: 1000, ProcessingDelay: d(500)},
		{Time: ms(2000), Records: 1500, ProcessingDelay: d(1000), SchedulingDelay: d(200)},
		{Time: ms(3000), Records: 1000, ProcessingDelay: d(2000), SchedulingDelay: d(1000)},
		{Time: ms(4000), Records: 1000, ProcessingDelay: d(3000)},
	} {
		rc.OnBatchCompleted(b)
	}
	if r, ok := rc.Rate(); !ok || r != 333 {
		t.Fatalf("Rate() = %v, %v; want 333 (truncated to whole records/s), true", r, ok)
	}
	if l := rc.Limit(); l != 333 {
		t.Fatalf("Limit() = %v, want the estimate 333", l)
	}
	mu.Lock()
	got := append([]float64(nil), published...)
	mu.Unlock()
	want := []float64{1440, 400, 333}
	if len(got) != len(want) {
		t.Fatalf("OnRate got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("OnRate got %v, want %v", got, want)
		}
	}
	lines := logs.FilterMessageSnippet("Received a new rate limit").All()
	wantMsgs := []string{"Received a new rate limit: 1440.", "Received a new rate limit: 400.", "Received a new rate limit: 333."}
	if len(lines) != len(wantMsgs) {
		t.Fatalf("got %d rate log lines, want %d: %v", len(lines), len(wantMsgs), lines)
	}
	for i, l := range lines {
		if l.Message != wantMsgs[i] || l.ContextMap()["rate"] != int64(want[i]) || l.Level != zapcore.InfoLevel {
			t.Fatalf("log line %d = %q %v at %v; want %q with rate=%d at info", i, l.Message, l.ContextMap(), l.Level, wantMsgs[i], int64(want[i]))
		}
	}
}

func TestRateControllerInvalidConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Enabled: true, PID: PIDConfig{BatchInterval: time.Second}},
		{InitialRate: -1},
	} {
		if _, err := NewRateController(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("NewRateController(%+v) error = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	// A disabled controller does not need a usable PID configuration.
	if _, err := NewRateController(Config{}); err != nil {
		t.Fatalf("NewRateController(disabled, zero PID) = %v", err)
	}
}

func TestRateControllerConcurrent(t *testing.T) {
	rc, err := NewRateController(Config{Enabled: true, PID: DefaultPIDConfig(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				rc.OnBatchCompleted(BatchInfo{Time: ms(int64(g*1000 + i*10)), Records: 100, ProcessingDelay: d(50)})
				if r, ok := rc.Rate(); ok && r < 100 {
					t.Errorf("rate %v below the minimum", r)
				}
				_ = rc.Limit()
			}
		})
	}
	wg.Wait()
	if _, ok := rc.Rate(); !ok {
		t.Fatalf("no rate after 800 batches")
	}
}
