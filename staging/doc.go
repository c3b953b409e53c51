// Package staging is the client side of resource localization: before an
// application is submitted, its binary, --files and --archives are copied
// into a per-application staging dir together with their SHA-256, so that
// every NodeManager can fetch and verify the very same bytes before a
// container starts.
//
// The layout follows Spark on YARN: files go to
// <root>/.sparkStaging/<appId>/<name>, where root is the staging dir URI
// (spark.yarn.stagingDir: file:// or hdfs://, a dfs store), and the
// application's dir is removed when it ends. Sources are local paths or
// file://, hdfs:// and https:// URIs (the submitter fetches them), each
// with Spark's optional #alias for its name in the working dir. Each file
// is written atomically (a temporary name, then a rename), so a reader
// never sees a partly written file under its final name.
package staging
