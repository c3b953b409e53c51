// Package webapp is the ResourceManager's web UI: the cluster overview,
// applications, application, nodes and scheduler pages, rendered on the
// server from html/template with their assets embedded in the binary, and
// the web proxy (/proxy/<applicationId>/…) to each running
// ApplicationMaster's own pages. It reads the cluster through the small
// Cluster interface the RM implements, and asks an Authorizer before
// serving anything.
package webapp
