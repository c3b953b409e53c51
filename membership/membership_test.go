package membership

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestDeadMemberReported(t *testing.T) {
	var mu sync.Mutex
	dead := map[string]bool{}
	cfg := DefaultConfig()
	cfg.BindAddress = "127.0.0.1:0"
	cfg.ProbeInterval = 100 * time.Millisecond
	cfg.ProbeTimeout = 50 * time.Millisecond
	cfg.SuspicionMult = 2

	rmCfg := cfg
	rmCfg.Name = "resourcemanager"
	rmCfg.OnDead = func(n string) { mu.Lock(); dead[n] = true; mu.Unlock() }
	rm, err := Start(rmCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Shutdown()

	nmCfg := cfg
	nmCfg.Name = "127.0.0.1:4545"
	nm, err := Start(nmCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := nm.Join(ctx, []string{rm.Address()}); err != nil {
		t.Fatal(err)
	}
	// The RM merges the joiner's state on its own goroutine.
	deadline := time.Now().Add(5 * time.Second)
	for !rm.Alive("127.0.0.1:4545") {
		if time.Now().After(deadline) {
			t.Fatal("joined member not alive in the RM's view within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Shutdown without Leave: the others must find out by probing.
	nm.Shutdown()
	deadline = time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		d := dead["127.0.0.1:4545"]
		mu.Unlock()
		if d {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a member that stopped answering was not declared dead within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A restarted NM comes back under a new name (node id and start nonce).
	nmCfg.Name = "127.0.0.1:4545/2"
	nm2, err := Start(nmCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer nm2.Shutdown()
	if err := nm2.Join(ctx, []string{rm.Address()}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for !rm.Alive("127.0.0.1:4545/2") {
		if time.Now().After(deadline) {
			t.Fatal("a restarted member was not alive again within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{{}, {Name: "a", BindAddress: "nope"}, {Name: "a", BindAddress: "127.0.0.1:0"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}
