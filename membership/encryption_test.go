package membership

import (
	"context"
	"testing"
	"time"
)

// TestGossipNeedsTheClusterKey: a member without the cluster's gossip key
// cannot join; once it installs the key it can.
func TestGossipNeedsTheClusterKey(t *testing.T) {
	key, err := PlaceholderKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.BindAddress = "127.0.0.1:0"
	rmCfg := cfg
	rmCfg.Name, rmCfg.SecretKey = "resourcemanager", key
	rm, err := Start(rmCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Shutdown()

	placeholder, _ := PlaceholderKey()
	nmCfg := cfg
	nmCfg.Name, nmCfg.SecretKey = "127.0.0.1:4545", placeholder
	nm, err := Start(nmCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nm.Shutdown()
	plainCfg := cfg
	plainCfg.Name = "rogue"
	rogue, err := Start(plainCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Shutdown()

	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := nm.Join(short, []string{rm.Address()}); err == nil {
		t.Fatal("a member with another key joined")
	}
	if err := rogue.Join(short, []string{rm.Address()}); err == nil {
		t.Fatal("a member gossiping in clear joined")
	}
	if err := nm.InstallKey(key); err != nil {
		t.Fatal(err)
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := nm.Join(ctx, []string{rm.Address()}); err != nil {
		t.Fatalf("join with the cluster's key: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !rm.Alive("127.0.0.1:4545") {
		if time.Now().After(deadline) {
			t.Fatal("the member with the key is not alive in the RM's view within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rm.Alive("rogue") {
		t.Fatal("the member gossiping in clear is alive in the RM's view")
	}
	if err := rogue.InstallKey(key); err == nil {
		t.Fatal("a member started in clear installed a key")
	}
}
