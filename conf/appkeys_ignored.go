package conf

// Kinds of option that Spindle accepts, so that spark-submit scripts need
// no edits, and ignores with a warning.
const (
	IgnoredJVM        = "a JVM option"
	IgnoredPython     = "a Python option"
	IgnoredKerberos   = "a Kerberos option"
	IgnoredSerializer = "a JVM serializer option"
	IgnoredSQL        = "a Spark SQL option"
)

// ignored declares a key, or a family, that Spindle ignores.
func ignored(name, why string) Key {
	return Key{Name: name, Type: TypeString, Group: GroupIgnored, Ignored: why, Description: "Ignored: " + why + "."}
}

var ignoredKeys = []Key{
	ignored("spark.driver.extraJavaOptions", IgnoredJVM),
	ignored("spark.executor.extraJavaOptions", IgnoredJVM),
	ignored("spark.driver.defaultJavaOptions", IgnoredJVM),
	ignored("spark.executor.defaultJavaOptions", IgnoredJVM),
	ignored("spark.yarn.am.extraJavaOptions", IgnoredJVM),
	ignored("spark.driver.extraClassPath", IgnoredJVM),
	ignored("spark.executor.extraClassPath", IgnoredJVM),
	ignored("spark.driver.userClassPathFirst", IgnoredJVM),
	ignored("spark.executor.userClassPathFirst", IgnoredJVM),
	ignored("spark.driver.extraLibraryPath", IgnoredJVM),
	ignored("spark.executor.extraLibraryPath", IgnoredJVM),
	ignored("spark.yarn.am.extraLibraryPath", IgnoredJVM),
	ignored("spark.jars", IgnoredJVM),
	ignored("spark.jars.*", IgnoredJVM),
	ignored("spark.yarn.jars", IgnoredJVM),
	ignored("spark.yarn.archive", IgnoredJVM),
	ignored("spark.yarn.dist.jars", IgnoredJVM),
	ignored("spark.submit.pyFiles", IgnoredPython),
	ignored("spark.pyspark.*", IgnoredPython),
	ignored("spark.serializer", IgnoredSerializer),
	ignored("spark.serializer.*", IgnoredSerializer),
	ignored("spark.kryo.*", IgnoredSerializer),
	ignored("spark.kryoserializer.*", IgnoredSerializer),
	ignored("spark.kerberos.*", IgnoredKerberos),
	ignored("spark.yarn.kerberos.*", IgnoredKerberos),
	ignored("spark.yarn.principal", IgnoredKerberos),
	ignored("spark.yarn.keytab", IgnoredKerberos),
	ignored("spark.sql.*", IgnoredSQL),
}
