package acl

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// Operation is what a caller asks to do, named as YARN's
// ApplicationAccessType and QueueACL.
type Operation string

// Operations.
const (
	ViewApp          Operation = "VIEW_APP"
	ModifyApp        Operation = "MODIFY_APP"
	SubmitApps       Operation = "SUBMIT_APPLICATIONS"
	AdministerQueue  Operation = "ADMINISTER_QUEUE"
	AdministerSystem Operation = "ADMINISTER_CLUSTER"
)

// ErrDenied is wrapped by every refusal.
var ErrDenied = errors.New("acl: access denied")

// Denied is a refusal: who asked to do what to which target.
type Denied struct {
	User      User
	Operation Operation
	Target    string
}

func (d *Denied) Error() string {
	if d.Operation == SubmitApps {
		return fmt.Sprintf("User %s does not have permission to submit applications to queue %s (acl_submit_applications)", d.User, d.Target)
	}
	return fmt.Sprintf("User %s cannot perform operation %s on %s", d.User, d.Operation, d.Target)
}

func (d *Denied) Unwrap() error { return ErrDenied }

// QueueACLs are one queue's lists.
type QueueACLs struct {
	// Submit may submit applications (acl_submit_applications).
	Submit ACL
	// Administer may kill and view every application of the queue
	// (acl_administer_queue).
	Administer ACL
}

// Policy is the cluster's access rules.
type Policy struct {
	// Enabled turns the checks on (yarn.acl.enable); off, every
	// authenticated caller may do everything.
	Enabled bool
	// Admins administer the cluster and every application (yarn.admin.acl).
	Admins ACL
	// Root are the root queue's lists; as in YARN, what the root allows
	// every queue allows.
	Root QueueACLs
	// Queues are the leaf queues' own lists.
	Queues map[string]QueueACLs
	// Logger receives every refusal, with who and what.
	Logger *zap.Logger
}

// App is what decides access to one application.
type App struct {
	// ID names it in refusals.
	ID string
	// Owner is the user who submitted it.
	Owner string
	// Queue is its queue.
	Queue string
	// View and Modify are its own lists (spark.ui.view.acls and
	// spark.modify.acls, each with spark.admin.acls); the owner, the
	// cluster's and the queue's administrators need not be on them.
	View, Modify ACL
}

// Disabled is the policy of a cluster without ACLs.
func Disabled() *Policy { return &Policy{} }

func (p *Policy) deny(u User, op Operation, target string) error {
	d := &Denied{User: u, Operation: op, Target: target}
	if p.Logger != nil {
		p.Logger.Warn("access denied", zap.String("user", u.String()), zap.Strings("groups", u.Groups),
			zap.String("operation", string(op)), zap.String("target", target))
	}
	return d
}

// IsAdmin reports whether u administers the cluster.
func (p *Policy) IsAdmin(u User) bool { return !p.Enabled || p.Admins.Allows(u) }

// CheckAdmin refuses u an operation on the whole cluster unless u is an
// administrator.
func (p *Policy) CheckAdmin(u User, what string) error {
	if p.IsAdmin(u) {
		return nil
	}
	return p.deny(u, AdministerSystem, what)
}

func (p *Policy) queue(name string) QueueACLs {
	q, ok := p.Queues[name]
	if !ok {
		q = QueueACLs{Submit: Parse(""), Administer: Parse("")}
	}
	return QueueACLs{Submit: q.Submit.Union(p.Root.Submit), Administer: q.Administer.Union(p.Root.Administer)}
}

// CheckSubmit refuses u submitting to queue unless the queue (or the root)
// lets u submit or administer it.
func (p *Policy) CheckSubmit(u User, queue string) error {
	if !p.Enabled || p.Admins.Allows(u) {
		return nil
	}
	q := p.queue(queue)
	if q.Submit.Allows(u) || q.Administer.Allows(u) {
		return nil
	}
	return p.deny(u, SubmitApps, queue)
}

// CanAccess reports, without logging, whether u may do op (ViewApp or
// ModifyApp) to app; lists use it to leave out what u may not see.
func (p *Policy) CanAccess(u User, op Operation, app App) bool {
	if !p.Enabled || u.Name == app.Owner || p.Admins.Allows(u) || p.queue(app.Queue).Administer.Allows(u) {
		return true
	}
	if op == ViewApp {
		return app.View.Allows(u) || app.Modify.Allows(u)
	}
	return app.Modify.Allows(u)
}

// CheckApp refuses u doing op to app unless u owns it, administers the
// cluster or its queue, or is on its list for op.
func (p *Policy) CheckApp(u User, op Operation, app App) error {
	if p.CanAccess(u, op, app) {
		return nil
	}
	return p.deny(u, op, "application "+app.ID)
}

// Everyone who may do op to app, as one list, for the daemons that check
// an application's callers without the cluster's policy: its
// ApplicationMaster and the NodeManagers that serve its logs. Nil when
// ACLs are off.
func (p *Policy) Everyone(op Operation, app App) *ACL {
	if !p.Enabled {
		return nil
	}
	q := p.queue(app.Queue)
	l := Of([]string{app.Owner}, nil).Union(p.Admins).Union(q.Administer).Union(app.Modify)
	if op == ViewApp {
		l = l.Union(app.View)
	}
	return &l
}
