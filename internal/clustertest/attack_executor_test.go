package clustertest

import (
	"context"
	"crypto/tls"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// TestRogueExecutorCannotRegister: a process on the network that connects
// to an application's Task endpoint and registers as one of its executors
// (taking over the real one's session) is refused unless it holds the
// application's secret: in plain text, with a cluster user's certificate,
// or with another application's secret.
func TestRogueExecutorCannotRegister(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	rep := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 30*time.Second)
	driver := net.JoinHostPort(rep.GetHost(), strconv.Itoa(int(rep.GetRpcPort())))

	user := c.TLS.ClientTLS.Certificate()
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
		"a cluster user's cert":    trustAll(&tls.Config{Certificates: []tls.Certificate{*user}}),
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
				err = stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: "1", Host: "127.0.0.1", Cores: 8}}})
			}
			if err == nil {
				_, err = stream.Recv()
			}
			if err == nil {
				t.Fatal("the driver acknowledged the rogue's registration")
			}
		})
	}
	waitAMLog(t, c, appID, "the refused connections", "connection refused: TLS handshake failed", `"endpoint": "Task"`)
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("%s is %v after the rogue's attempts, want RUNNING", appID, r.GetState())
	}
}
