package acl

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestParseAndAllows(t *testing.T) {
	alice := User{Name: "alice", Groups: []string{"analysts"}}
	bob := User{Name: "bob", Groups: []string{"ops"}}
	for _, tc := range []struct {
		acl          string
		alice, bob   bool
		stringWanted string
	}{
		{"*", true, true, "*"},
		{" * ", true, true, "*"},
		{"", false, false, " "},
		{" ", false, false, " "},
		{"alice", true, false, "alice "},
		{"alice,carol ops", true, true, "alice,carol ops"},
		{" analysts", true, false, " analysts"},
		{"bob,,bob,", false, true, "bob "},
	} {
		a := Parse(tc.acl)
		if a.Allows(alice) != tc.alice || a.Allows(bob) != tc.bob {
			t.Errorf("%q: alice %v bob %v; want %v %v", tc.acl, a.Allows(alice), a.Allows(bob), tc.alice, tc.bob)
		}
		if a.String() != tc.stringWanted {
			t.Errorf("%q renders %q, want %q", tc.acl, a.String(), tc.stringWanted)
		}
		if back := Parse(a.String()); back.Allows(alice) != tc.alice || back.Allows(bob) != tc.bob {
			t.Errorf("%q does not survive its own notation %q", tc.acl, a.String())
		}
	}
}

// fakeConf is a Settings of plain strings.
type fakeConf map[string]string

func (f fakeConf) Get(k string) string { return f[k] }
func (f fakeConf) Bool(k string) (bool, error) {
	return f[k] == "true", nil
}
func (f fakeConf) Strings(k string) []string {
	if f[k] == "" {
		return nil
	}
	return strings.Split(f[k], ",")
}

func TestPolicy(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	p, err := PolicyFromConf(fakeConf{
		KeyEnable:                             "true",
		KeyAdmin:                              "root-ish admins",
		"yarn.scheduler.capacity.root.queues": "default,streaming",
		"yarn.scheduler.capacity.root.acl_submit_applications":           "",
		"yarn.scheduler.capacity.root.default.acl_submit_applications":   "*",
		"yarn.scheduler.capacity.root.streaming.acl_submit_applications": " streamers",
		"yarn.scheduler.capacity.root.streaming.acl_administer_queue":    "sre",
	}, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	alice := User{Name: "alice", Groups: []string{"streamers"}}
	bob := User{Name: "bob"}
	carol := User{Name: "carol", Groups: []string{"viewers"}}
	sre := User{Name: "sre"}
	admin := User{Name: "dan", Groups: []string{"admins"}}

	for _, tc := range []struct {
		u     User
		queue string
		ok    bool
	}{
		{alice, "streaming", true}, {bob, "streaming", false}, {sre, "streaming", true},
		{bob, "default", true}, {admin, "streaming", true}, {bob, "nosuchqueue", false},
	} {
		if err := p.CheckSubmit(tc.u, tc.queue); (err == nil) != tc.ok {
			t.Errorf("%s submit to %s: %v, want allowed=%v", tc.u, tc.queue, err, tc.ok)
		}
	}
	app := App{ID: "application_1_0001", Owner: "alice", Queue: "streaming", View: Parse(" viewers"), Modify: Parse("")}
	for _, tc := range []struct {
		u  User
		op Operation
		ok bool
	}{
		{alice, ModifyApp, true}, {carol, ViewApp, true}, {carol, ModifyApp, false},
		{bob, ViewApp, false}, {bob, ModifyApp, false}, {sre, ModifyApp, true}, {admin, ModifyApp, true},
	} {
		err := p.CheckApp(tc.u, tc.op, app)
		if (err == nil) != tc.ok {
			t.Errorf("%s %s: %v, want allowed=%v", tc.u, tc.op, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrDenied) {
			t.Errorf("refusal %v does not wrap ErrDenied", err)
		}
	}
	// Every refusal is logged with who and what.
	var found bool
	for _, e := range logs.All() {
		f := e.ContextMap()
		if e.Message == "access denied" && f["user"] == "bob" && f["operation"] == "MODIFY_APP" && f["target"] == "application application_1_0001" {
			found = true
		}
	}
	if !found {
		t.Fatalf("bob's refused kill was not logged with who and what: %v", logs.All())
	}
	if err := p.CheckApp(bob, ModifyApp, app); err.Error() != "User bob cannot perform operation MODIFY_APP on application application_1_0001" {
		t.Fatalf("refusal reads %q", err)
	}
	everyone := p.Everyone(ViewApp, app)
	for _, u := range []User{alice, carol, sre, admin} {
		if !everyone.Allows(u) {
			t.Errorf("view list %q leaves out %s", everyone, u)
		}
	}
	if everyone.Allows(bob) {
		t.Errorf("view list %q lets bob in", everyone)
	}
	if Disabled().Everyone(ViewApp, app) != nil || Disabled().CheckApp(bob, ModifyApp, app) != nil {
		t.Fatal("a disabled policy refuses")
	}
}
