package client

import (
	"errors"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/submit"
)

// TestMasterAddress: yarn is the conf dir's RM, spindle://host:port a
// named one; anything else is an error naming the flag.
func TestMasterAddress(t *testing.T) {
	daemon, err := conf.Load(conf.LoadOptions{Overrides: []string{"yarn.resourcemanager.address=rm.example.com:8032"}})
	if err != nil {
		t.Fatal(err)
	}
	for master, want := range map[string]string{"yarn": "rm.example.com:8032", "spindle://10.0.0.1:9000": "10.0.0.1:9000"} {
		if got, err := MasterAddress(master, daemon); err != nil || got != want {
			t.Errorf("MasterAddress(%q) = %q, %v; want %q", master, got, err, want)
		}
	}
	if _, err := MasterAddress("local[*]", daemon); err == nil || !strings.Contains(err.Error(), "--master") {
		t.Errorf("MasterAddress(local[*]) error %v, want one naming --master", err)
	}
}

// options resolves keys as spindle submit does, for a client-mode job.
func options(t *testing.T, keys map[string]string) *submit.Options {
	t.Helper()
	settings, err := conf.AppConfFrom(keys)
	if err != nil {
		t.Fatal(err)
	}
	return &submit.Options{Conf: keys, Settings: settings, Application: "./job", DeployMode: "client"}
}

// TestClientModeChecksTheDriverSettingsBeforeSubmitting: a client-mode
// driver refuses streaming settings that do not fit together, naming the
// key, before any application exists; good ones are ready to start.
func TestClientModeChecksTheDriverSettingsBeforeSubmitting(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{
			"spark.driver.host":               "127.0.0.1",
			"spindle.kafka.bootstrap.servers": "127.0.0.1:9092",
			"spindle.kafka.topics":            "orders",
			conf.KeyCheckpointDir:             "file:///tmp/ckpt",
			conf.KeySinkPath:                  "file:///tmp/out",
		}
	}
	sha := strings.Repeat("ab", 32)
	bad := base()
	bad[conf.KeySinkKind] = "kafka"
	o := options(t, bad)
	d, err := listenDriver(o.Settings, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	if err := d.prepare(o, sha, SubmitConfig{}); err == nil || !strings.Contains(err.Error(), conf.KeySinkKafkaTopic) {
		t.Fatalf("prepare with a Kafka sink and no topic: %v, want an error naming %s", err, conf.KeySinkKafkaTopic)
	}
	o = options(t, base())
	good, err := listenDriver(o.Settings, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer good.stop()
	if !strings.HasPrefix(good.address, "127.0.0.1:") {
		t.Fatalf("driver address %q, want spark.driver.host with the bound port", good.address)
	}
	if err := good.prepare(o, sha, SubmitConfig{}); err != nil || good.program == nil {
		t.Fatalf("prepare: %v (program set: %v)", err, good.program != nil)
	}
}

// TestResourceAsks: in cluster mode the AM's container is the driver's, in
// client mode Spark's spark.yarn.am.* size it; executors are the same in
// both, and each is checked against the maximum allocation.
func TestResourceAsks(t *testing.T) {
	keys := map[string]string{"spark.yarn.am.memory": "1g", "spark.yarn.am.memoryOverhead": "100m", "spark.yarn.am.cores": "2"}
	o := options(t, keys)
	o.DriverMemoryMB, o.DriverCores, o.ExecutorMemoryMB, o.ExecutorCores = 9000, 1, 2048, 2
	o.DeployMode = conf.DeployModeCluster
	asks := resourceAsks(o)
	if asks[0].MemoryKey != conf.KeyDriverMemory || asks[0].MemoryMB != 9000 || asks[1].MemoryMB != 2048 || asks[1].VCores != 2 {
		t.Fatalf("cluster mode asks %+v", asks)
	}
	max := &pb.Resource{MemoryMb: 8192, Vcores: 4}
	if err := asks[0].CheckMaximum(max); !errors.Is(err, launch.ErrInvalidResourceRequest) || !strings.Contains(err.Error(), "requestedMemory=9900, maxMemory=8192") {
		t.Fatalf("a 9000 MiB driver: %v", err)
	}
	o.DeployMode = conf.DeployModeClient
	asks = resourceAsks(o)
	if a := asks[0]; a.MemoryKey != conf.KeyAMMemory || a.MemoryMB != 1024 || a.OverheadMB != 100 || a.VCores != 2 || a.CheckMaximum(max) != nil {
		t.Fatalf("client mode AM ask %+v", a)
	}
}

// TestSupervisePolicy: --supervise gives the RM the backoff keys in ms;
// client mode refuses it, and so does a longest wait below the first,
// naming both keys, before any application exists.
func TestSupervisePolicy(t *testing.T) {
	parse := func(args ...string) *submit.Options {
		t.Helper()
		o, _, err := submit.Parse(append(args, "./job"), submit.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if p, err := supervisePolicy(parse()); p != nil || err != nil {
		t.Errorf("without --supervise: %v, %v; want no policy", p, err)
	}
	p, err := supervisePolicy(parse("--supervise", "--conf", conf.KeySuperviseBackoff+"=2s"))
	if err != nil || p.GetInitialBackoffMs() != 2000 || p.GetMaxBackoffMs() != 300000 {
		t.Errorf("--supervise with a 2s backoff: %v, %v; want 2000 ms, max 300000 ms", p, err)
	}
	if _, err := supervisePolicy(parse("--supervise", "--deploy-mode", "client")); err == nil || !strings.Contains(err.Error(), "--deploy-mode cluster") {
		t.Errorf("--supervise in client mode: %v, want a refusal pointing to cluster mode", err)
	}
	_, err = supervisePolicy(parse("--supervise", "--conf", conf.KeySuperviseBackoff+"=1min", "--conf", conf.KeySuperviseMaxBackoff+"=30s"))
	if err == nil || !strings.Contains(err.Error(), conf.KeySuperviseBackoff) || !strings.Contains(err.Error(), conf.KeySuperviseMaxBackoff) {
		t.Errorf("max backoff below the backoff: %v, want an error naming both keys", err)
	}
}
