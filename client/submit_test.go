package client

import (
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
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

// TestClientModeChecksTheDriverSettingsBeforeSubmitting: a client-mode
// driver refuses a bad streaming setting, naming the key, before any
// application exists; a good one is ready to start.
func TestClientModeChecksTheDriverSettingsBeforeSubmitting(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{
			"spark.driver.host":               "127.0.0.1",
			"spindle.kafka.bootstrap.servers": "127.0.0.1:9092",
			"spindle.kafka.topics":            "orders",
			driver.KeyCheckpointDir:           "file:///tmp/ckpt",
			driver.KeySinkPath:                "file:///tmp/out",
		}
	}
	sha := strings.Repeat("ab", 32)
	bad := base()
	bad[driver.KeyBatchDuration] = "fast"
	d, err := listenDriver(bad)
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	o := &submit.Options{Conf: bad, Application: "./job", DeployMode: "client"}
	if err := d.prepare(o, sha, SubmitConfig{}); err == nil || !strings.Contains(err.Error(), driver.KeyBatchDuration) {
		t.Fatalf("prepare with %s=fast: %v, want an error naming the key", driver.KeyBatchDuration, err)
	}
	good, err := listenDriver(base())
	if err != nil {
		t.Fatal(err)
	}
	defer good.stop()
	if !strings.HasPrefix(good.address, "127.0.0.1:") {
		t.Fatalf("driver address %q, want spark.driver.host with the bound port", good.address)
	}
	o = &submit.Options{Conf: base(), Application: "./job", DeployMode: "client"}
	if err := good.prepare(o, sha, SubmitConfig{}); err != nil || good.program == nil {
		t.Fatalf("prepare: %v (program set: %v)", err, good.program != nil)
	}
}
