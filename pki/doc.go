// Package pki is the cluster's public-key infrastructure: the cluster CA,
// the certificates of the ResourceManager, NodeManagers, users and the
// application CA the ResourceManager issues ApplicationMaster certificates
// with; PEM files; TLS configurations for mutual TLS that read the
// current certificates, so that files replaced on disk take effect
// without a restart; who a verified certificate names; and the TLS
// identity an application derives from its own secret for its Task
// endpoint.
//
// Roles are carried in a certificate's subject, as Kubernetes does:
// OrganizationalUnit is the role (resourcemanager, nodemanager, client,
// applicationmaster), CommonName the user or host, Organization a user's
// groups.
package pki
