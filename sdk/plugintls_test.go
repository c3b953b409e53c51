package sdk

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"net"
	"strings"
	"testing"
)

// handshake runs a TLS handshake between client and server configs over an
// in-memory connection and returns the client's view and both errors.
func handshake(t *testing.T, client, server *tls.Config) (tls.ConnectionState, error, error) {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	srvErr := make(chan error, 1)
	go func() {
		s := tls.Server(b, server)
		err := s.Handshake()
		if err != nil {
			s.Close()
		}
		srvErr <- err
	}()
	c := tls.Client(a, client)
	cliErr := c.Handshake()
	st := c.ConnectionState()
	// A TLS 1.3 client is done before the server has checked its
	// certificate; closing the connection lets a refusing server's alert
	// fail rather than wait for a reader.
	a.Close()
	return st, cliErr, <-srvErr
}

// outsider is a TLS identity of its own, as another process would have.
func outsider(t *testing.T) tls.Certificate {
	t.Helper()
	der, key, err := selfSignedP256()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := keyPair(der, key)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

func TestPluginTLSTrustsOnlyTheOtherEnd(t *testing.T) {
	host, err := newPluginTLS()
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := pluginTLSConfig(host.material)
	if err != nil {
		t.Fatal(err)
	}

	st, cerr, serr := handshake(t, host.config, plugin)
	if cerr != nil || serr != nil {
		t.Fatalf("host to its plugin: client %v, server %v", cerr, serr)
	}
	if k, ok := st.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("the plugin's key is %T, want ECDSA on P-256", st.PeerCertificates[0].PublicKey)
	}

	// Another process, with a certificate of its own, is refused by the
	// plugin.
	other := &tls.Config{Certificates: []tls.Certificate{outsider(t)}, RootCAs: host.config.RootCAs, ServerName: "localhost"}
	if _, _, serr := handshake(t, other, plugin); serr == nil {
		t.Error("the plugin accepted a client that is not its host")
	}
	// And the host refuses a server that is not its plugin.
	impostor := &tls.Config{Certificates: []tls.Certificate{outsider(t)}, ClientAuth: tls.RequireAnyClientCert}
	if _, cerr, _ := handshake(t, host.config, impostor); cerr == nil {
		t.Error("the host accepted a server that is not its plugin")
	}
}

func TestPluginTLSMaterialIncomplete(t *testing.T) {
	host, err := newPluginTLS()
	if err != nil {
		t.Fatal(err)
	}
	cut := host.material[:strings.Index(string(host.material), "-----BEGIN "+pemHostCert)]
	if _, err := pluginTLSConfig(cut); err == nil || !strings.Contains(err.Error(), "host's certificate") {
		t.Errorf("material without the host's certificate: %v", err)
	}
}

// FuzzPluginTLSMaterial: whatever comes down the pipe, the plugin builds a
// config from it or says what is wrong, without panicking.
func FuzzPluginTLSMaterial(f *testing.F) {
	host, err := newPluginTLS()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(host.material)
	f.Add([]byte("-----BEGIN SPINDLE PLUGIN CERTIFICATE-----\nAAAA\n-----END SPINDLE PLUGIN CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		cfg, err := pluginTLSConfig(raw)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v and error %v", cfg, err)
		}
	})
}
