package pki

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHTTPSWithClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	nm := load(t, p.files(t, "nm", localhost(RoleNodeManager, "localhost")))
	alice := load(t, p.files(t, "alice", CertRequest{Role: RoleClient, Name: "alice"}))
	caOnly := load(t, Files{CA: filepath.Join(p.dir, "ca.pem")})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok, err := RequestCertificate(r)
		fmt.Fprintf(w, "%v %v %v", id, ok, err)
	})}
	go srv.Serve(Listener(nm, lis, ClientCertRequired))
	defer srv.Close()
	url := Scheme(nm) + "://" + lis.Addr().String() + "/"
	resp, err := HTTPClient(alice, 5*time.Second).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "user alice true <nil>" {
		t.Fatalf("server saw %q", body)
	}
	if _, err := HTTPClient(caOnly, 5*time.Second).Get(url); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	if resp, err := http.Get(strings.Replace(url, "https", "http", 1)); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "true") {
			t.Fatalf("plain HTTP was served: %s", body)
		}
	}
	if Scheme(nil) != "http" || Listener(nil, lis, ClientCertRequired) != lis {
		t.Fatal("nil material is not plain text")
	}
}
