package submit

import "strings"

// ignoredKey is a key, or with a trailing "." every key under a prefix,
// that Spindle accepts and ignores.
type ignoredKey struct {
	// pattern is the key, or a prefix ending in ".".
	pattern string
	// reason says what kind of option it is, as in flagSpec.ignored.
	reason string
}

// ignoredKeys lists the keys Spindle ignores, in the documentation's order.
var ignoredKeys = []ignoredKey{
	{"spark.driver.extraJavaOptions", reasonJVM},
	{"spark.executor.extraJavaOptions", reasonJVM},
	{"spark.driver.defaultJavaOptions", reasonJVM},
	{"spark.executor.defaultJavaOptions", reasonJVM},
	{"spark.yarn.am.extraJavaOptions", reasonJVM},
	{"spark.driver.extraClassPath", reasonJVM},
	{"spark.executor.extraClassPath", reasonJVM},
	{"spark.driver.userClassPathFirst", reasonJVM},
	{"spark.executor.userClassPathFirst", reasonJVM},
	{"spark.driver.extraLibraryPath", reasonJVM},
	{"spark.executor.extraLibraryPath", reasonJVM},
	{"spark.yarn.am.extraLibraryPath", reasonJVM},
	{"spark.jars", reasonJVM},
	{"spark.jars.", reasonJVM},
	{"spark.yarn.jars", reasonJVM},
	{"spark.yarn.archive", reasonJVM},
	{"spark.yarn.dist.jars", reasonJVM},
	{"spark.submit.pyFiles", reasonPython},
	{"spark.pyspark.", reasonPython},
	{"spark.serializer", reasonSerializer},
	{"spark.kryo.", reasonSerializer},
	{"spark.kryoserializer.", reasonSerializer},
	{"spark.kerberos.", reasonKerberos},
	{"spark.yarn.kerberos.", reasonKerberos},
	{"spark.yarn.principal", reasonKerberos},
	{"spark.yarn.keytab", reasonKerberos},
	{"spark.sql.", reasonSQL},
}

// ignoredReason says why Spindle ignores key, or "" if it does not.
func ignoredReason(key string) string {
	for _, ik := range ignoredKeys {
		if key == ik.pattern || strings.HasSuffix(ik.pattern, ".") && strings.HasPrefix(key, ik.pattern) {
			return ik.reason
		}
	}
	return ""
}

// ignoredWarning is the warning for an ignored flag or key.
func ignoredWarning(name, reason string) string {
	return "Warning: " + printable(name) + " is " + reason + "; Spindle ignores it."
}
