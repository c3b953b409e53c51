package clustertest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// The attacks of docs/security.md, each run against real daemons by
// someone on the cluster's network: these helpers are the attacker's
// tools.

// dialAs opens a gRPC connection to addr with m's credentials (nil: plain
// text), closed at the end of the test.
func dialAs(t *testing.T, addr string, m *pki.Material) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, pki.GRPCDialOption(m))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// outsiders are the ways to call a cluster without being one of its users:
// in plain text, over TLS without a certificate, and with a certificate of
// another CA (trusting the cluster's, so that it is the cluster that
// refuses).
func outsiders(t *testing.T, c *testutil.Cluster) map[string]*pki.Material {
	t.Helper()
	ca, err := os.ReadFile(c.TLS.CA)
	if err != nil {
		t.Fatal(err)
	}
	noCert, err := pki.FromPEM(ca, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := testutil.NewClusterTLS(t, t.TempDir())
	otherCert, _ := os.ReadFile(other.Client)
	otherKey, _ := os.ReadFile(pki.KeyFileFor(other.Client))
	mallory, err := pki.FromPEM(ca, otherCert, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*pki.Material{"plain text": nil, "no certificate": noCert, "certificate of another CA": mallory}
}

// logged waits until d's log has a line with every one of wants.
func logged(t *testing.T, d *testutil.Daemon, what string, wants ...string) {
	t.Helper()
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		for _, line := range strings.Split(d.Tail(4<<20), "\n") {
			all := true
			for _, w := range wants {
				all = all && strings.Contains(line, w)
			}
			if all {
				return true, ""
			}
		}
		return false, "no log line of " + d.Name + " records " + what + " with " + strings.Join(wants, ", ")
	})
}

// getAs fetches url with m's credentials and returns the status and body.
func getAs(t *testing.T, m *pki.Material, url string) (int, string) {
	t.Helper()
	resp, err := pki.HTTPClient(m, 10*time.Second).Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(body)
}

// reportAs is the application report user m gets.
func reportAs(t *testing.T, c *testutil.Cluster, m *pki.Material, appID string) *pb.ApplicationReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := pb.NewApplicationClientClient(dialAs(t, c.RMAddr.Client, m)).GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
	if err != nil {
		t.Fatalf("report of %s: %v", appID, err)
	}
	return resp.GetReport()
}

// waitAMLog waits until the framework log (spindle.log) of appID's current
// AM has a line with every one of wants.
func waitAMLog(t *testing.T, c *testutil.Cluster, appID, what string, wants ...string) {
	t.Helper()
	var path string
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		attempts, err := c.Client().GetApplicationAttempts(context.Background(), &pb.GetApplicationAttemptsRequest{ApplicationId: appID})
		if err != nil || len(attempts.GetAttempts()) == 0 {
			return false, fmt.Sprintf("attempts of %s: %v", appID, err)
		}
		last := attempts.GetAttempts()[len(attempts.GetAttempts())-1]
		for i := range c.NMs {
			if c.NodeID(i) == last.GetNodeId() {
				path = filepath.Join(c.Dir, "nm"+strconv.Itoa(i), "nm-logs", appID, last.GetAmContainerId(), "spindle.log")
			}
		}
		raw, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(raw), "\n") {
			all := true
			for _, w := range wants {
				all = all && strings.Contains(line, w)
			}
			if all {
				return true, ""
			}
		}
		return false, fmt.Sprintf("the AM's log %s does not record %s with %s:\n%s", path, what, strings.Join(wants, ", "), raw)
	})
}

// httpOK is a status that served the request.
func httpOK(code int) bool { return code == http.StatusOK }

// waitFile waits until the command of what has created path.
func waitFile(t *testing.T, path, what string) {
	t.Helper()
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		_, err := os.Stat(path)
		return err == nil, what + " did not run: no " + path
	})
}

// appKeyOf is the Task endpoint key of appID, from the secret in its AM's
// environment: what the application's own executors hold. The test runs
// as the NodeManagers' user and may read it.
func appKeyOf(t *testing.T, c *testutil.Cluster, appID string) *pki.AppKey {
	t.Helper()
	var key *pki.AppKey
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		for _, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				if !strings.HasSuffix(ct.ID, "_000001") || ct.PID == 0 {
					continue
				}
				raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", ct.PID))
				if err != nil {
					return false, err.Error()
				}
				for _, kv := range strings.Split(string(raw), "\x00") {
					if secret, ok := strings.CutPrefix(kv, launch.EnvAppSecret+"="); ok {
						key, err = pki.NewAppKey(secret)
						return err == nil, fmt.Sprint(err)
					}
				}
				return false, "no " + launch.EnvAppSecret + " in the AM's environment"
			}
		}
		return false, "no running AM container of " + appID
	})
	return key
}

// rogueSends sends msg to the Task endpoint of appID's driver in each of
// the ways a process that does not hold the application's secret may dial
// it (plain text, a cluster user's certificate, another application's
// secret, TLS without a certificate), and fails the test if the driver
// answers; what names what msg is, for the failure.
func rogueSends(t *testing.T, c *testutil.Cluster, appID string, msg *pb.ExecutorMessage, what string) {
	t.Helper()
	rep := c.Report(appID)
	driver := net.JoinHostPort(rep.GetHost(), strconv.Itoa(int(rep.GetRpcPort())))
	otherSecret, _ := pki.NewAppSecret()
	otherApp, err := pki.NewAppKey(otherSecret)
	if err != nil {
		t.Fatal(err)
	}
	trustAll := func(cfg *tls.Config) grpc.DialOption {
		// The rogue does not care whom it talks to: it is the driver that
		// must refuse.
		cfg.InsecureSkipVerify, cfg.VerifyPeerCertificate = true, nil
		return grpc.WithTransportCredentials(credentials.NewTLS(cfg))
	}
	for name, opt := range map[string]grpc.DialOption{
		"plain text":               grpc.WithTransportCredentials(insecure.NewCredentials()),
		"a cluster user's cert":    trustAll(&tls.Config{Certificates: []tls.Certificate{*c.TLS.ClientTLS.Certificate()}}),
		"another app's secret":     trustAll(otherApp.ClientConfig()),
		"no certificate, over TLS": trustAll(&tls.Config{}),
	} {
		t.Run(name, func(t *testing.T) {
			conn, err := grpc.NewClient(driver, opt)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			stream, err := pb.NewTaskClient(conn).Connect(ctx)
			if err == nil {
				err = stream.Send(msg)
			}
			if err == nil {
				_, err = stream.Recv()
			}
			if err == nil {
				t.Fatalf("the driver answered the rogue's %s", what)
			}
		})
	}
}
