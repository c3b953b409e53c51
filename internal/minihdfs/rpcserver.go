package minihdfs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// Constants of the Hadoop RPC connection protocol (org.apache.hadoop.ipc).
const (
	rpcMagic                = "hrpc"
	rpcVersion              = 9
	authProtocolNone        = 0x00
	connectionContextCallID = -3
	pingCallID              = -4
	invalidCallID           = -1
	clientProtocolName      = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	classVersionMismatch    = "org.apache.hadoop.ipc.RPC$VersionMismatch"
	classAccessControl      = "org.apache.hadoop.security.AccessControlException"
)

// callContext is what a NameNode method knows about its caller.
type callContext struct {
	user   string
	remote string
}

// rpcConn is one client connection to the NameNode.
type rpcConn struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	user string
}

// fatalError ends a connection after telling the client why, as Hadoop's
// server does for malformed connection headers and calls.
type fatalError struct {
	callID int32
	detail pb.RpcResponseHeaderProto_RpcErrorCodeProto
	class  string
	msg    string
}

func (e *fatalError) Error() string { return e.class + ": " + e.msg }

// serveRPC runs one NameNode connection: the connection header, the
// connection context, then calls until the client leaves.
func (nn *namenode) serveRPC(conn net.Conn) {
	c := &rpcConn{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
	err := c.handshake()
	if err == nil {
		nn.recordUser(c.user)
	}
	for err == nil {
		var frame []byte
		if frame, err = readFrame(c.r); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				err = &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, class: classRPCServer, msg: err.Error()}
			}
			break
		}
		err = nn.serveCall(c, frame)
	}
	var fatal *fatalError
	if errors.As(err, &fatal) {
		nn.log.Warn("rpc connection failed", zap.String("remote", conn.RemoteAddr().String()), zap.String("exception", fatal.class), zap.String("message", fatal.msg))
		// Best effort: the connection is dropped either way.
		_ = c.writeStatus(fatal.callID, pb.RpcResponseHeaderProto_FATAL, fatal.detail, fatal.class, fatal.msg, nil)
	}
}

// handshake reads the 7-byte connection header ("hrpc", version, service
// class, auth protocol) and the IpcConnectionContextProto that follows it.
func (c *rpcConn) handshake() error {
	var hdr [7]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return err
	}
	if string(hdr[:4]) != rpcMagic {
		return errors.New("minihdfs: not a Hadoop RPC connection")
	}
	if hdr[4] != rpcVersion {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_VERSION_MISMATCH, class: classVersionMismatch,
			msg: fmt.Sprintf("Server IPC version %d cannot communicate with client version %d", rpcVersion, hdr[4])}
	}
	if hdr[6] != authProtocolNone {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, class: classAccessControl,
			msg: "SIMPLE authentication is enabled: SASL (Kerberos, tokens) is not available"}
	}
	frame, err := readFrame(c.r)
	if err != nil {
		return err
	}
	rrh := &pb.RpcRequestHeaderProto{}
	rest, err := unmarshalDelimited(frame, rrh)
	if err != nil || rrh.GetCallId() != connectionContextCallID {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, class: classRPCServer, msg: "Connection context not established"}
	}
	cc := &pb.IpcConnectionContextProto{}
	if _, err := unmarshalDelimited(rest, cc); err != nil {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_DESERIALIZING_REQUEST, class: classRPCServer, msg: "invalid connection context: " + err.Error()}
	}
	if p := cc.GetProtocol(); p != "" && p != clientProtocolName {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_ERROR_NO_SUCH_PROTOCOL, class: classNoSuchProtocol, msg: "Unknown protocol: " + p}
	}
	c.user = cc.GetUserInfo().GetEffectiveUser()
	if c.user == "" {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, class: classAccessControl, msg: "no effective user in the connection context"}
	}
	return nil
}

// serveCall decodes one call frame, runs the method and writes the response.
// It returns an error when the connection must end.
func (nn *namenode) serveCall(c *rpcConn, frame []byte) error {
	rrh := &pb.RpcRequestHeaderProto{}
	rest, err := unmarshalDelimited(frame, rrh)
	if err != nil {
		return &fatalError{callID: invalidCallID, detail: pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, class: classRPCServer, msg: "invalid RpcRequestHeaderProto: " + err.Error()}
	}
	callID := rrh.GetCallId()
	switch {
	case rrh.RpcKind != nil && rrh.GetRpcKind() != pb.RpcKindProto_RPC_PROTOCOL_BUFFER:
		return &fatalError{callID: callID, detail: pb.RpcResponseHeaderProto_FATAL_UNSUPPORTED_SERIALIZATION, class: classRPCServer, msg: "unsupported RPC kind " + rrh.GetRpcKind().String()}
	case rrh.GetRpcOp() == pb.RpcRequestHeaderProto_RPC_CLOSE_CONNECTION:
		return io.EOF
	case callID == pingCallID:
		return nil
	case callID < 0:
		return &fatalError{callID: callID, detail: pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, class: classRPCServer, msg: fmt.Sprintf("unexpected call id %d", callID)}
	}
	rh := &pb.RequestHeaderProto{}
	if rest, err = unmarshalDelimited(rest, rh); err != nil {
		return &fatalError{callID: callID, detail: pb.RpcResponseHeaderProto_FATAL_DESERIALIZING_REQUEST, class: classRPCServer, msg: "invalid RequestHeaderProto: " + err.Error()}
	}
	body, rest, err := nextDelimited(rest)
	if err != nil || len(rest) != 0 {
		return &fatalError{callID: callID, detail: pb.RpcResponseHeaderProto_FATAL_DESERIALIZING_REQUEST, class: classRPCServer, msg: "malformed request body"}
	}
	if rh.GetDeclaringClassProtocolName() != clientProtocolName {
		return c.writeStatus(callID, pb.RpcResponseHeaderProto_ERROR, pb.RpcResponseHeaderProto_ERROR_NO_SUCH_PROTOCOL, classNoSuchProtocol,
			"Unknown protocol: "+rh.GetDeclaringClassProtocolName(), nil)
	}
	m, ok := nn.methods[rh.GetMethodName()]
	if !ok {
		return c.writeStatus(callID, pb.RpcResponseHeaderProto_ERROR, pb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD, classNoSuchMethod,
			fmt.Sprintf("Unknown method %s called on %s protocol.", rh.GetMethodName(), clientProtocolName), nil)
	}
	resp, rerr := m(&callContext{user: c.user, remote: c.conn.RemoteAddr().String()}, body)
	if rerr != nil {
		nn.log.Debug("rpc call failed", zap.String("method", rh.GetMethodName()), zap.String("exception", rerr.class), zap.String("message", rerr.msg))
		return c.writeStatus(callID, pb.RpcResponseHeaderProto_ERROR, pb.RpcResponseHeaderProto_ERROR_APPLICATION, rerr.class, rerr.msg, nil)
	}
	return c.writeStatus(callID, pb.RpcResponseHeaderProto_SUCCESS, 0, "", "", resp)
}

// writeStatus writes an RpcResponseHeaderProto and, on success, the
// response message.
func (c *rpcConn) writeStatus(callID int32, status pb.RpcResponseHeaderProto_RpcStatusProto, detail pb.RpcResponseHeaderProto_RpcErrorCodeProto, class, msg string, resp proto.Message) error {
	hdr := &pb.RpcResponseHeaderProto{
		CallId:              proto.Uint32(uint32(callID)),
		Status:              status.Enum(),
		ServerIpcVersionNum: proto.Uint32(rpcVersion),
	}
	msgs := []proto.Message{hdr}
	if status != pb.RpcResponseHeaderProto_SUCCESS {
		hdr.ExceptionClassName = proto.String(class)
		hdr.ErrorMsg = proto.String(msg)
		hdr.ErrorDetail = detail.Enum()
	} else {
		msgs = append(msgs, resp)
	}
	frame, err := encodeFrame(msgs...)
	if err != nil {
		// A response that does not serialize is a server bug; say so to the
		// client rather than leave it waiting.
		hdr.Status = pb.RpcResponseHeaderProto_ERROR.Enum()
		hdr.ExceptionClassName = proto.String(classRPCServer)
		hdr.ErrorMsg = proto.String("serializing response: " + err.Error())
		hdr.ErrorDetail = pb.RpcResponseHeaderProto_ERROR_SERIALIZING_RESPONSE.Enum()
		if frame, err = encodeFrame(hdr); err != nil {
			return err
		}
	}
	if _, err := c.w.Write(frame); err != nil {
		return err
	}
	return c.w.Flush()
}
