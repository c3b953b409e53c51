package conf

// Application keys of who may see and change an application, as Spark's.
// The ResourceManager, the NodeManagers and the ApplicationMaster check
// them; see docs/security.md.
const (
	GroupSecurity       = "Security"
	KeyACLsEnable       = "spark.acls.enable"
	KeyViewACLs         = "spark.ui.view.acls"
	KeyViewACLsGroups   = "spark.ui.view.acls.groups"
	KeyModifyACLs       = "spark.modify.acls"
	KeyModifyACLsGroups = "spark.modify.acls.groups"
	KeyAdminACLs        = "spark.admin.acls"
	KeyAdminACLsGroups  = "spark.admin.acls.groups"
)

// IgnoredSecurity is why Spark's authentication and encryption keys are
// ignored.
const IgnoredSecurity = "Spindle authenticates and encrypts an application's driver and executors itself, with a secret spindle submit makes for each application, and every other connection with the cluster's TLS (see docs/security.md)"

var securityKeys = []Key{
	{Name: KeyACLsEnable, Type: TypeBool, Default: "true", Group: GroupSecurity,
		Description: "Whether the ApplicationMaster's web endpoints (metrics, streaming statistics) check the view list, as Spark's UI does. Spark's default is false; Spindle's is true. The ResourceManager and the NodeManagers check the lists whenever the cluster's `yarn.acl.enable` is true."},
	{Name: KeyViewACLs, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Users, besides the one who submitted it, who may view the application: its report's details, REST resources, container logs and ApplicationMaster endpoints; `*` for everyone. The user is the common name of a client certificate."},
	{Name: KeyViewACLsGroups, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Groups whose users may view the application; a user's groups are the Organization fields of their certificate."},
	{Name: KeyModifyACLs, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Users who may kill or stop the application, and view it."},
	{Name: KeyModifyACLsGroups, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Groups whose users may kill or stop the application, and view it."},
	{Name: KeyAdminACLs, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Users who may view, kill and stop the application, as if on both lists above. The cluster's `yarn.admin.acl` and the queue's `acl_administer_queue` always may."},
	{Name: KeyAdminACLsGroups, Type: TypeList, Default: "", Group: GroupSecurity,
		Description: "Groups whose users may view, kill and stop the application."},
	ignored("spark.authenticate", IgnoredSecurity),
	ignored("spark.authenticate.*", IgnoredSecurity),
	ignored("spark.network.crypto.*", IgnoredSecurity),
	ignored("spark.ssl.*", IgnoredSecurity),
}
