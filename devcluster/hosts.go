package devcluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// Names of the test hosts of a cluster with Hosts: the RM's, Kafka's and
// HDFS's; NM i runs on NMHost(i).
const (
	HostRM    = "rm"
	HostKafka = "kafka"
	HostHDFS  = "hdfs"
)

// NMHost is the name of NM i's test host.
func NMHost(i int) string { return "nm" + strconv.Itoa(i) }

// placement says where the cluster's parts run: all on 127.0.0.1, or each
// on its test host.
type placement struct {
	net *netns.Network
}

// newPlacement makes the test hosts of a cluster with nms NMs, or none.
func newPlacement(hosts bool, nms int, lg *zap.Logger) (placement, error) {
	if !hosts {
		return placement{}, nil
	}
	names := []string{HostRM, HostKafka, HostHDFS}
	for i := range nms {
		names = append(names, NMHost(i))
	}
	n, err := netns.Create(netns.Config{Names: names, Logger: lg.Named("hosts")})
	if err != nil {
		return placement{}, fmt.Errorf("devcluster: test hosts: %w", err)
	}
	return placement{net: n}, nil
}

// host returns the test host called name and its address, or nil and
// 127.0.0.1 on one machine.
func (p placement) host(name string) (*netns.Host, string) {
	if p.net == nil {
		return nil, "127.0.0.1"
	}
	h := p.net.Host(name)
	return h, h.IP.String()
}

// addr is host:port on name's address.
func (p placement) addr(name string, port int) string {
	_, ip := p.host(name)
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// close removes the test hosts, with every process in them.
func (p placement) close() error {
	if p.net == nil {
		return nil
	}
	return p.net.Close()
}

// startKafka runs an in-process Kafka broker on the kafka host (or
// 127.0.0.1) at port (0: a port the OS chooses) with topics created.
func (p placement) startKafka(port int, topics map[string]int32, segmentBytes int) (*kfake.Cluster, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(defaultPartitions)}
	if segmentBytes > 0 {
		opts = append(opts, kfake.BrokerConfigs(map[string]string{"log.segment.bytes": strconv.Itoa(segmentBytes)}))
	}
	h, ip := p.host(HostKafka)
	if h != nil {
		opts = append(opts, kfake.ListenFn(func(network, addr string) (net.Listener, error) {
			_, port, _ := net.SplitHostPort(addr)
			return h.Listen(network, net.JoinHostPort(ip, port))
		}))
	}
	if port != 0 {
		opts = append(opts, kfake.Ports(port))
	}
	k, err := kfake.NewCluster(opts...)
	if err != nil {
		if port != 0 && h == nil {
			return nil, fmt.Errorf("devcluster: start Kafka on %s:%d: %w: %w", ip, port, ErrPortInUse, err)
		}
		return nil, fmt.Errorf("devcluster: start Kafka: %w", err)
	}
	for name, parts := range topics {
		if err := k.CreateTopic(name, parts, nil); err != nil {
			k.Close()
			return nil, fmt.Errorf("devcluster: create topic %s with %d partitions: %w", name, parts, err)
		}
	}
	return k, nil
}

// startHDFS runs the in-process HDFS on the hdfs host (or 127.0.0.1) and
// writes the empty Hadoop configuration dir its clients use under dir:
// the URIs name the NameNode, and this machine's own configuration must
// not redirect them.
func (p placement) startHDFS(dir string, lg *zap.Logger) (*minihdfs.Cluster, string, error) {
	confDir := filepath.Join(dir, "hadoop-conf")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("devcluster: create %s: %w", confDir, err)
	}
	cfg := minihdfs.DefaultConfig()
	cfg.Logger = lg.Named("hdfs")
	h, _ := p.host(HostHDFS)
	if h == nil {
		c, err := minihdfs.Start(cfg)
		if err != nil {
			return nil, "", fmt.Errorf("devcluster: start HDFS: %w", err)
		}
		return c, confDir, nil
	}
	cfg.NameNodeAddr, cfg.DataNodeAddr = h.Addr(0), h.Addr(0)
	var c *minihdfs.Cluster
	if err := h.Run(func() (err error) { c, err = minihdfs.Start(cfg); return err }); err != nil {
		return nil, "", fmt.Errorf("devcluster: start HDFS on host %s: %w", h.Name, err)
	}
	return c, confDir, nil
}
