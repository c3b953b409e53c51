package minihdfs

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/", "/a/b", "/a/b/", "//a", "/a//b", "a", "/./a", "/a/..", "/a:b", "/" + strings.Repeat("x", 300), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		comps, err := parsePath(p)
		if err != nil {
			if err.class != classInvalidPath && err.class != classPathComponentTooLong {
				t.Fatalf("parsePath(%q): exception %s", p, err.class)
			}
			if !strings.Contains(err.msg, "path") && !strings.Contains(err.msg, "name") {
				t.Fatalf("parsePath(%q): undescriptive message %q", p, err.msg)
			}
			return
		}
		for _, c := range comps {
			if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "/:") {
				t.Fatalf("parsePath(%q) accepted component %q", p, c)
			}
		}
		again, err := parsePath(joinPath(comps))
		if err != nil || strings.Join(again, "/") != strings.Join(comps, "/") {
			t.Fatalf("parsePath(%q) = %q does not round-trip: %q, %v", p, comps, again, err)
		}
	})
}

// fuzzCluster serves one fuzz target's iterations. They drive its handlers
// directly, without the recover of the TCP server, so that a panic fails
// the fuzz run.
func fuzzCluster(f *testing.F) *Cluster {
	f.Helper()
	cfg := DefaultConfig()
	cfg.Logger = zap.NewNop()
	c, err := Start(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(c.Close)
	return c
}

// runHandler feeds input to handle over an in-memory connection and returns
// what it wrote; it fails t if the handler does not finish.
func runHandler(t *testing.T, handle func(net.Conn), input []byte) []byte {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer server.Close()
		handle(server)
	}()
	var out bytes.Buffer
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_, _ = io.Copy(&out, client)
	}()
	_ = client.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = client.Write(input)
	client.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("handler still running 5s after its input ended (input %q)", input)
	}
	<-readDone
	return out.Bytes()
}

func nnSeeds(t testing.TB) [][]byte {
	hs := handshakeBytes(t, "fuzz")
	mk := func(frames ...[]byte) []byte { return bytes.Join(append([][]byte{hs}, frames...), nil) }
	perm := &pb.FsPermissionProto{Perm: proto.Uint32(0o755)}
	return [][]byte{
		hs,
		mk(callFrame(t, 1, clientProtocolName, "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/")})),
		mk(callFrame(t, 1, clientProtocolName, "mkdirs", &pb.MkdirsRequestProto{Src: proto.String("/a/b"), Masked: perm, CreateParent: proto.Bool(true)}),
			callFrame(t, 2, clientProtocolName, "getListing", &pb.GetListingRequestProto{Src: proto.String("/a"), StartAfter: []byte{}, NeedLocation: proto.Bool(false)})),
		mk(callFrame(t, 1, clientProtocolName, "create", createRequest("/f", "c", 1)),
			callFrame(t, 2, clientProtocolName, "addBlock", &pb.AddBlockRequestProto{Src: proto.String("/f"), ClientName: proto.String("c")}),
			callFrame(t, 3, clientProtocolName, "complete", &pb.CompleteRequestProto{Src: proto.String("/f"), ClientName: proto.String("c")})),
		mk(callFrame(t, 1, clientProtocolName, "rename2", &pb.Rename2RequestProto{Src: proto.String("/a"), Dst: proto.String("/z"), OverwriteDest: proto.Bool(true)}),
			callFrame(t, 2, clientProtocolName, "delete", &pb.DeleteRequestProto{Src: proto.String("/z"), Recursive: proto.Bool(true)})),
		mk(callFrame(t, 1, clientProtocolName, "noSuchMethod", &pb.GetFsStatusRequestProto{})),
		[]byte("hrpc\x09\x00\xdf"),
	}
}

func FuzzNamenodeConnection(f *testing.F) {
	c := fuzzCluster(f)
	for _, s := range nnSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		out := runHandler(t, c.nn.serveRPC, input)
		// Whatever was answered is well-formed Hadoop RPC responses (the
		// last may be cut short when the input ended mid-exchange).
		r := bytes.NewReader(out)
		for r.Len() > 0 {
			frame, err := readFrame(r)
			if err != nil {
				return
			}
			hdr := &pb.RpcResponseHeaderProto{}
			if _, err := unmarshalDelimited(frame, hdr); err != nil {
				t.Fatalf("malformed response header: %v", err)
			}
			if hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS && hdr.GetExceptionClassName() == "" {
				t.Fatalf("failure without an exception class: %v", hdr)
			}
		}
	})
}

func FuzzDatanodeConnection(f *testing.F) {
	c := fuzzCluster(f)
	// A block the NameNode has allocated, so that writes get past the
	// allocation check.
	client := &callContext{user: "fuzz"}
	if _, rerr := c.nn.create(client, createRequest("/dnfuzz", "fuzz-client", 1)); rerr != nil {
		f.Fatal(rerr)
	}
	add, rerr := c.nn.addBlock(client, &pb.AddBlockRequestProto{Src: proto.String("/dnfuzz"), ClientName: proto.String("fuzz-client")})
	if rerr != nil {
		f.Fatal(rerr)
	}
	op := func(code byte, m proto.Message) []byte {
		b, err := appendDelimited([]byte{0, dataTransferVersion, code}, m)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	data := []byte("some block data")
	var pkt bytes.Buffer
	sum := binary.BigEndian.AppendUint32(nil, crc32.Checksum(data, castagnoli))
	_ = writePacket(&pkt, packet{hdr: packetHeader(0, 1, false, len(data)), sums: sum, data: data})
	_ = writePacket(&pkt, packet{hdr: packetHeader(uint64(len(data)), 2, true, 0)})
	f.Add(append(op(opWriteBlock, writeOp(add.GetBlock())), pkt.Bytes()...))
	f.Add(op(opReadBlock, readOp(add.GetBlock().GetB(), 0, 5)))
	f.Add(op(0x55, &pb.OpBlockChecksumProto{Header: &pb.BaseHeaderProto{Block: add.GetBlock().GetB()}}))
	f.Add([]byte{0, 27, opReadBlock})
	f.Fuzz(func(t *testing.T, input []byte) {
		out := runHandler(t, c.dn.serve, input)
		// The first thing a DataNode answers is a BlockOpResponseProto.
		if len(out) > 0 {
			n, k := binary.Uvarint(out)
			if k <= 0 || uint64(len(out)-k) < n {
				return // cut short when the input ended
			}
			resp := &pb.BlockOpResponseProto{}
			if err := proto.Unmarshal(out[k:k+int(n)], resp); err != nil {
				t.Fatalf("malformed BlockOpResponseProto: %v", err)
			}
			if resp.GetStatus() != pb.Status_SUCCESS && resp.GetMessage() == "" {
				t.Fatalf("refusal without a message: %v", resp)
			}
		}
	})
}
