// Package submit parses the command line of `spindle submit`, which is
// spark-submit's, so that existing submission scripts run unchanged except
// for the binary name and the application path: a Spindle job is a Go
// binary, not a jar.
//
// Parse reads the flags, the --conf keys and a properties file in Spark's
// spark-defaults.conf format, and resolves them with Spark's precedence:
// explicit flags, then --conf, then the properties file, then the defaults.
// The result is an Options with every honoured value typed and checked, and
// Conf holding the effective spark.* and spindle.* keys for the job.
//
// Flags and keys that only make sense for a JVM, for Python, for Kerberos or
// for Spark SQL are accepted with one warning each and otherwise ignored,
// so that a script written for spark-submit needs no other edits. Keys
// lists the keys Spindle honours at submit time; Usage lists the flags.
package submit
