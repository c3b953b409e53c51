// Package submit parses the command line of `spindle submit`, which is
// spark-submit's, so that existing submission scripts run unchanged except
// for the binary name and the application path: a Spindle job is a Go
// binary, not a jar.
//
// Parse reads the flags, the --conf keys and the properties files in
// Spark's spark-defaults.conf format, and resolves them with Spark's
// precedence: explicit flags, then --conf, then --properties-file, then
// spindle-defaults.conf in Spindle's configuration directory, then
// spark-defaults.conf in Spark's (SPARK_CONF_DIR or $SPARK_HOME/conf), then
// the built-in defaults. The result is an Options with every honoured value
// typed and checked, Conf holding the effective spark.* and spindle.* keys
// for the job and Sources where each came from, which WriteVerbose prints
// as spark-submit --verbose does.
//
// Flags and keys that only make sense for a JVM, for Python, for Kerberos or
// for Spark SQL are accepted with one warning each and otherwise ignored,
// so that a script written for spark-submit needs no other edits. Keys
// lists the keys Spindle honours at submit time; Usage lists the flags.
package submit
