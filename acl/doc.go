// Package acl decides who may do what, with YARN's access control lists:
// the cluster's administrators (yarn.admin.acl), each queue's submitters
// and administrators (acl_submit_applications, acl_administer_queue in
// capacity-scheduler.xml) and each application's viewers and modifiers
// (Spark's spark.ui.view.acls, spark.modify.acls, spark.admin.acls),
// enforced when yarn.acl.enable is true. It also knows who is calling: the
// user a verified client certificate names, or, without TLS, the user a
// client claims.
package acl
