package minihdfs

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"
)

func startTestCluster(t testing.TB, edit func(*Config)) *Cluster {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Logger = zaptest.NewLogger(t)
	if edit != nil {
		edit(&cfg)
	}
	return StartForTest(t, cfg)
}

func newClient(t testing.TB, c *Cluster, user string) *hdfs.Client {
	t.Helper()
	cl, err := hdfs.NewClient(hdfs.ClientOptions{Addresses: []string{c.Addr()}, User: user})
	if err != nil {
		t.Fatalf("connect to %s: %v", c.Addr(), err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// handshakeBytes is a client's connection header and connection context.
func handshakeBytes(t testing.TB, user string) []byte {
	t.Helper()
	frame, err := encodeFrame(
		&pb.RpcRequestHeaderProto{
			RpcKind:  pb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
			RpcOp:    pb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
			CallId:   proto.Int32(connectionContextCallID),
			ClientId: []byte("0123456789abcdef"),
		},
		&pb.IpcConnectionContextProto{
			UserInfo: &pb.UserInformationProto{EffectiveUser: proto.String(user)},
			Protocol: proto.String(clientProtocolName),
		})
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{'h', 'r', 'p', 'c', rpcVersion, 0, authProtocolNone}, frame...)
}

// callFrame is one call of method on protocol.
func callFrame(t testing.TB, callID int32, protocol, method string, req proto.Message) []byte {
	t.Helper()
	frame, err := encodeFrame(
		&pb.RpcRequestHeaderProto{
			RpcKind:  pb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
			RpcOp:    pb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
			CallId:   proto.Int32(callID),
			ClientId: []byte("0123456789abcdef"),
		},
		&pb.RequestHeaderProto{
			MethodName:                 proto.String(method),
			DeclaringClassProtocolName: proto.String(protocol),
			ClientProtocolVersion:      proto.Uint64(1),
		},
		req)
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

// rawRPC is a hand-driven NameNode connection, for what a well-behaved
// client never sends.
type rawRPC struct {
	t      testing.TB
	conn   net.Conn
	r      *bufio.Reader
	callID int32
}

func dialRaw(t testing.TB, addr string) *rawRPC {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return &rawRPC{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *rawRPC) send(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// response reads one response; resp is filled on success.
func (c *rawRPC) response(resp proto.Message) (*pb.RpcResponseHeaderProto, error) {
	frame, err := readFrame(c.r)
	if err != nil {
		return nil, err
	}
	hdr := &pb.RpcResponseHeaderProto{}
	rest, err := unmarshalDelimited(frame, hdr)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 && resp != nil {
		if _, err := unmarshalDelimited(rest, resp); err != nil {
			return nil, err
		}
	}
	return hdr, nil
}

// call runs method on ClientProtocol and returns the response header.
func (c *rawRPC) call(method string, req, resp proto.Message) *pb.RpcResponseHeaderProto {
	c.t.Helper()
	c.callID++
	c.send(callFrame(c.t, c.callID, clientProtocolName, method, req))
	hdr, err := c.response(resp)
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	if hdr.GetCallId() != uint32(c.callID) {
		c.t.Fatalf("%s: response for call %d, want %d", method, hdr.GetCallId(), c.callID)
	}
	return hdr
}
