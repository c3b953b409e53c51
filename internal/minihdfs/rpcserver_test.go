package minihdfs

import (
	"errors"
	"io"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"google.golang.org/protobuf/proto"
)

func TestRPCErrorsKeepTheConnection(t *testing.T) {
	c := startTestCluster(t, nil)
	r := dialRaw(t, c.Addr())
	r.send(handshakeBytes(t, "mallory"))

	cases := []struct {
		name    string
		send    func() *pb.RpcResponseHeaderProto
		class   string
		code    pb.RpcResponseHeaderProto_RpcErrorCodeProto
		message string
	}{
		{"unknown method", func() *pb.RpcResponseHeaderProto {
			return r.call("getDataEncryptionKey", &pb.GetServerDefaultsRequestProto{}, nil)
		}, classNoSuchMethod, pb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD, "getDataEncryptionKey"},
		{"unknown protocol", func() *pb.RpcResponseHeaderProto {
			r.callID++
			r.send(callFrame(t, r.callID, "org.example.Nope", "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/")}))
			hdr, err := r.response(nil)
			if err != nil {
				t.Fatal(err)
			}
			return hdr
		}, classNoSuchProtocol, pb.RpcResponseHeaderProto_ERROR_NO_SUCH_PROTOCOL, "org.example.Nope"},
		{"request missing a required field", func() *pb.RpcResponseHeaderProto {
			return r.call("getFileInfo", &pb.GetServerDefaultsRequestProto{}, nil)
		}, classRPCServer, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "GetFileInfoRequestProto"},
		{"block locations of a missing file", func() *pb.RpcResponseHeaderProto {
			return r.call("getBlockLocations", &pb.GetBlockLocationsRequestProto{Src: proto.String("/nope"), Offset: proto.Uint64(0), Length: proto.Uint64(1)}, nil)
		}, classFileNotFound, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "/nope"},
		{"addBlock without a lease", func() *pb.RpcResponseHeaderProto {
			return r.call("addBlock", &pb.AddBlockRequestProto{Src: proto.String("/"), ClientName: proto.String("x")}, nil)
		}, classFileNotFound, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "Path is not a file"},
		{"append", func() *pb.RpcResponseHeaderProto {
			return r.call("create", createRequest("/f", "mallory", uint32(pb.CreateFlagProto_APPEND)), nil)
		}, classUnsupportedOperation, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "APPEND"},
		{"invalid block size", func() *pb.RpcResponseHeaderProto {
			req := createRequest("/f", "mallory", uint32(pb.CreateFlagProto_CREATE))
			req.BlockSize = proto.Uint64(1000)
			return r.call("create", req, nil)
		}, classIO, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "block size"},
		{"path component too long", func() *pb.RpcResponseHeaderProto {
			long := make([]byte, 300)
			for i := range long {
				long[i] = 'x'
			}
			return r.call("mkdirs", &pb.MkdirsRequestProto{Src: proto.String("/" + string(long)), Masked: &pb.FsPermissionProto{Perm: proto.Uint32(0o755)}, CreateParent: proto.Bool(true)}, nil)
		}, classPathComponentTooLong, pb.RpcResponseHeaderProto_ERROR_APPLICATION, "limit=255"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.send()
			if hdr.GetStatus() != pb.RpcResponseHeaderProto_ERROR || hdr.GetExceptionClassName() != tc.class || hdr.GetErrorDetail() != tc.code {
				t.Fatalf("response %v, want ERROR %s %s", hdr, tc.class, tc.code)
			}
			if msg := hdr.GetErrorMsg(); !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.message)) {
				t.Fatalf("message %q does not mention %q", msg, tc.message)
			}
		})
	}
	// The connection still serves calls.
	resp := &pb.GetFileInfoResponseProto{}
	if hdr := r.call("getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/")}, resp); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || resp.GetFs().GetFileType() != pb.HdfsFileStatusProto_IS_DIR {
		t.Fatalf("getFileInfo(/) after errors = %v, %v", hdr, resp)
	}
}

func createRequest(src, client string, flags uint32) *pb.CreateRequestProto {
	return &pb.CreateRequestProto{
		Src:          proto.String(src),
		Masked:       &pb.FsPermissionProto{Perm: proto.Uint32(0o644)},
		ClientName:   proto.String(client),
		CreateFlag:   proto.Uint32(flags),
		CreateParent: proto.Bool(false),
		Replication:  proto.Uint32(1),
		BlockSize:    proto.Uint64(1 << 20),
	}
}

func TestRPCFatalErrorsCloseTheConnection(t *testing.T) {
	c := startTestCluster(t, nil)
	cases := []struct {
		name   string
		input  func(t *testing.T) []byte
		detail pb.RpcResponseHeaderProto_RpcErrorCodeProto
		class  string
	}{
		{"IPC version mismatch", func(*testing.T) []byte { return []byte{'h', 'r', 'p', 'c', 7, 0, 0} },
			pb.RpcResponseHeaderProto_FATAL_VERSION_MISMATCH, classVersionMismatch},
		{"SASL requested", func(*testing.T) []byte { return []byte{'h', 'r', 'p', 'c', rpcVersion, 0, 0xdf} },
			pb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, classAccessControl},
		{"call before the connection context", func(t *testing.T) []byte {
			return append([]byte{'h', 'r', 'p', 'c', rpcVersion, 0, 0}, callFrame(t, 1, clientProtocolName, "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/")})...)
		}, pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, classRPCServer},
		{"no user", func(t *testing.T) []byte { return handshakeBytes(t, "") },
			pb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED, classAccessControl},
		{"oversized frame", func(t *testing.T) []byte {
			return append(handshakeBytes(t, "u"), 0x7f, 0xff, 0xff, 0xff)
		}, pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, classRPCServer},
		{"garbled request header", func(t *testing.T) []byte {
			return append(handshakeBytes(t, "u"), 0, 0, 0, 3, 2, 0xff, 0xff)
		}, pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER, classRPCServer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, c.Addr())
			r.send(tc.input(t))
			hdr, err := r.response(nil)
			if err != nil {
				t.Fatal(err)
			}
			if hdr.GetStatus() != pb.RpcResponseHeaderProto_FATAL || hdr.GetErrorDetail() != tc.detail || hdr.GetExceptionClassName() != tc.class {
				t.Fatalf("response %v, want FATAL %s %s", hdr, tc.detail, tc.class)
			}
			if _, err := r.response(nil); !errors.Is(err, io.EOF) {
				t.Fatalf("after a fatal error the connection gave %v, want EOF", err)
			}
		})
	}
	t.Run("not Hadoop RPC", func(t *testing.T) {
		r := dialRaw(t, c.Addr())
		r.send([]byte("GET / HTTP/1.1\r\n\r\n"))
		if _, err := r.response(nil); !errors.Is(err, io.EOF) {
			t.Fatalf("HTTP on the RPC port gave %v, want the connection closed", err)
		}
	})
}

// The old rename answers false instead of failing, and moves into an
// existing directory; rename2 without overwrite refuses an existing target.
func TestRenameSemantics(t *testing.T) {
	c := startTestCluster(t, nil)
	cl := newClient(t, c, "ivan")
	writeFile(t, cl, "/a/f", []byte("f"))
	writeFile(t, cl, "/a/g", []byte("g"))
	if err := cl.MkdirAll("/b", 0o755); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, c.Addr())
	r.send(handshakeBytes(t, "ivan"))
	old := []struct {
		src, dst string
		want     bool
	}{
		{"/missing", "/x", false},
		{"/a/f", "/a/g", false},         // existing file
		{"/a/f", "/nodir/f", false},     // missing parent
		{"/a", "/a/inside", false},      // into itself
		{"/a/f", "/a/f", true},          // onto itself
		{"/a/f", "/b", true},            // into a directory: /b/f
		{"/b/f", "/a/renamed", true},    // plain move
		{"/", "/elsewhere", false},      // the root
		{"/a/renamed", "/a/g/x", false}, // parent is a file
	}
	for _, tc := range old {
		resp := &pb.RenameResponseProto{}
		hdr := r.call("rename", &pb.RenameRequestProto{Src: proto.String(tc.src), Dst: proto.String(tc.dst)}, resp)
		if hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || resp.GetResult() != tc.want {
			t.Errorf("rename(%s, %s) = %v, %v; want %v", tc.src, tc.dst, hdr.GetStatus(), resp.GetResult(), tc.want)
		}
	}
	if names := dirNames(t, cl, "/a"); len(names) != 2 || names[0] != "g" || names[1] != "renamed" {
		t.Fatalf("/a holds %v after renames, want [g renamed]", names)
	}
	hdr := r.call("rename2", &pb.Rename2RequestProto{Src: proto.String("/a/renamed"), Dst: proto.String("/a/g"), OverwriteDest: proto.Bool(false)}, nil)
	if hdr.GetExceptionClassName() != classFileAlreadyExists {
		t.Fatalf("rename2 onto an existing file without overwrite = %v", hdr)
	}
	hdr = r.call("rename2", &pb.Rename2RequestProto{Src: proto.String("/a/renamed"), Dst: proto.String("/missing/x"), OverwriteDest: proto.Bool(true)}, nil)
	if hdr.GetExceptionClassName() != classFileNotFound {
		t.Fatalf("rename2 into a missing directory = %v", hdr)
	}
}

func TestCompleteWaitsForTheDatanode(t *testing.T) {
	c := startTestCluster(t, nil)
	r := dialRaw(t, c.Addr())
	r.send(handshakeBytes(t, "judy"))
	create := &pb.CreateResponseProto{}
	if hdr := r.call("create", createRequest("/w", "client-1", uint32(pb.CreateFlagProto_CREATE)), create); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS {
		t.Fatalf("create = %v", hdr)
	}
	add := &pb.AddBlockResponseProto{}
	if hdr := r.call("addBlock", &pb.AddBlockRequestProto{Src: proto.String("/w"), ClientName: proto.String("client-1"), FileId: create.GetFs().FileId}, add); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS {
		t.Fatalf("addBlock = %v", hdr)
	}
	// Another client may not add to the file.
	if hdr := r.call("addBlock", &pb.AddBlockRequestProto{Src: proto.String("/w"), ClientName: proto.String("client-2")}, nil); hdr.GetExceptionClassName() != classLeaseExpired {
		t.Fatalf("addBlock by another client = %v", hdr)
	}
	if hdr := r.call("create", createRequest("/w", "client-2", uint32(pb.CreateFlagProto_CREATE|pb.CreateFlagProto_OVERWRITE)), nil); hdr.GetExceptionClassName() != classAlreadyBeingCreated {
		t.Fatalf("create over a file being written = %v", hdr)
	}
	// The block claims 100 bytes the DataNode never received.
	last := proto.Clone(add.GetBlock().GetB()).(*pb.ExtendedBlockProto)
	last.NumBytes = proto.Uint64(100)
	done := &pb.CompleteResponseProto{}
	if hdr := r.call("complete", &pb.CompleteRequestProto{Src: proto.String("/w"), ClientName: proto.String("client-1"), Last: last}, done); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || done.GetResult() {
		t.Fatalf("complete of an unwritten block = %v, %v; want false", hdr, done.GetResult())
	}
}
