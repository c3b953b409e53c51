package netns

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap/zaptest"
)

// TestKafkaAndHDFSInHosts runs the in-process Kafka and HDFS each in a
// host of its own, reaches them from outside, cuts one off and crashes the
// other.
func TestKafkaAndHDFSInHosts(t *testing.T) {
	n := New(t, "kafka", "hdfs")
	kh, hh := n.Host("kafka"), n.Host("hdfs")

	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "events"),
		kfake.ListenFn(func(network, addr string) (net.Listener, error) {
			_, port, _ := net.SplitHostPort(addr)
			return kh.Listen(network, net.JoinHostPort(kh.IP.String(), port))
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	kh.OnCrash(kc.Close)

	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	hcfg := minihdfs.DefaultConfig()
	hcfg.NameNodeAddr, hcfg.DataNodeAddr = hh.Addr(0), hh.Addr(0)
	hcfg.Logger = zaptest.NewLogger(t)
	var hc *minihdfs.Cluster
	if err := hh.Run(func() (err error) { hc, err = minihdfs.Start(hcfg); return err }); err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	hh.OnCrash(hc.Close)
	if host, _, _ := net.SplitHostPort(hc.Addr()); host != hh.IP.String() {
		t.Fatalf("NameNode on %s, want the hdfs host's %s", hc.Addr(), hh.IP)
	}

	// Kafka: produce and read back through the bridge.
	scfg := sarama.NewConfig()
	scfg.Producer.Return.Successes = true
	scfg.Net.DialTimeout, scfg.Net.ReadTimeout, scfg.Net.WriteTimeout = time.Second, time.Second, time.Second
	scfg.Metadata.Retry.Max, scfg.Producer.Retry.Max = 0, 0
	produce := func() error {
		p, err := sarama.NewSyncProducer(kc.ListenAddrs(), scfg)
		if err != nil {
			return err
		}
		defer p.Close()
		_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: "events", Value: sarama.StringEncoder("x")})
		return err
	}
	if err := produce(); err != nil {
		t.Fatalf("produce to Kafka in its host: %v", err)
	}
	if err := kh.Cut(Both); err != nil {
		t.Fatal(err)
	}
	if err := produce(); err == nil {
		t.Fatal("produced to a Kafka host that is cut off")
	}
	if err := kh.Heal(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, healed, "Kafka reachable again", func() bool { return produce() == nil })

	// HDFS: write and read back, then crash its host.
	ctx := context.Background()
	hcfgStore := dfs.DefaultHDFSConfig()
	hcfgStore.Addresses, hcfgStore.User, hcfgStore.Retries = []string{hc.Addr()}, "spindle", 0
	st, err := dfs.NewHDFSStore(ctx, hcfgStore)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.WriteFile(ctx, "/a", []byte("on another host")); err != nil {
		t.Fatalf("write to HDFS in its host: %v", err)
	}
	if err := hh.Crash(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReadFile(ctx, "/a"); err == nil {
		t.Fatal("read from HDFS after its host crashed")
	}
}
