// Package unpack expands the archives an application ships with
// --archives into a container's working dir, as YARN's localizer does for
// ARCHIVE resources: .zip, .tar, .tar.gz and .tgz, chosen by the file
// name. Entries that would land outside the target dir (absolute names,
// "..", links pointing out) and special files are refused, so an archive
// can only ever fill its own dir.
package unpack
