// Package staging is the client side of resource localization: before an
// application is submitted, its binary and --files are copied into a
// per-application staging dir together with their SHA-256, so that every
// NodeManager can fetch and verify the very same bytes before a container
// starts.
//
// The layout follows Spark on YARN: files go to
// <root>/.sparkStaging/<appId>/<base name>, where root is the staging dir
// URI (spark.yarn.stagingDir), and the application's dir is removed when
// it ends. Each file is written to a temporary name in that dir and renamed
// into place, so a reader never sees a partly written file under its final
// name.
//
// Staging dirs are URIs. Only file:// is supported; other schemes plug in
// behind the package's store interface.
package staging
