package client

import (
	"maps"
	"strings"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
)

// appSecurity is what an application gets at submit to authenticate its
// parts to each other, and who besides its owner may see and change it.
type appSecurity struct {
	// secret (base64) and key authenticate its driver and executors
	// (spark.authenticate); empty and nil on a cluster without TLS.
	secret string
	key    *pki.AppKey
	// viewACL and modifyACL are spark.ui.view.acls, spark.modify.acls and
	// spark.admin.acls (with their .groups) in YARN's notation.
	viewACL, modifyACL string
}

// newAppSecurity makes an application's secret, as Spark's client does for
// spark.authenticate on YARN, and reads its ACLs from conf.
func newAppSecurity(rm *RM, conf map[string]string) (appSecurity, error) {
	s := appSecurity{
		viewACL:   appACL(conf, "spark.ui.view.acls", "spark.modify.acls"),
		modifyACL: appACL(conf, "spark.modify.acls"),
	}
	if rm.TLS == nil {
		return s, nil
	}
	var err error
	if s.secret, err = pki.NewAppSecret(); err != nil {
		return s, err
	}
	s.key, err = pki.NewAppKey(s.secret)
	return s, err
}

// appACL is Spark's lists named by keys, each with its .groups twin, and
// spark.admin.acls, as one YARN ACL.
func appACL(conf map[string]string, keys ...string) string {
	l := acl.Parse("")
	for _, k := range append(keys, "spark.admin.acls") {
		users := strings.ReplaceAll(conf[k], " ", "")
		groups := strings.ReplaceAll(conf[k+".groups"], " ", "")
		l = l.Union(acl.Parse(users + " " + groups))
	}
	return l.String()
}

// apply puts the application's secret in its AM's environment and its ACLs
// in its submission context.
func (s appSecurity) apply(sub *pb.ApplicationSubmissionContext) {
	sub.ViewAcl, sub.ModifyAcl = s.viewACL, s.modifyACL
	if s.secret == "" {
		return
	}
	spec := sub.GetAmContainerSpec()
	if spec.Environment == nil {
		spec.Environment = map[string]string{}
	}
	env := maps.Clone(spec.Environment)
	env[launch.EnvAppSecret] = s.secret
	spec.Environment = env
}
