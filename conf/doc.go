// Package conf loads Spindle's configuration.
//
// A Config is built in three layers, each overriding the one before: the
// defaults in spindle-default.xml, built into the binary; the optional files
// yarn-site.xml, capacity-scheduler.xml and spindle-site.xml, in Hadoop's
// configuration XML format; and KEY=VALUE overrides given with --conf on
// the command line. Keys keep YARN's and Spark's names so that existing
// yarn-site.xml files carry over.
//
// Discover says where the files are: each is read from the first of
// Spindle's directory (--conf-dir or SPINDLE_CONF_DIR), YARN_CONF_DIR,
// HADOOP_CONF_DIR and $HADOOP_HOME/etc/hadoop that holds it, and
// spark-defaults.conf, which spindle submit reads, from SPARK_CONF_DIR or
// $SPARK_HOME/conf. HadoopClientConf reads core-site.xml and hdfs-site.xml
// from the same directories for the HDFS client.
//
// Every known key has a type (see Known). Load validates each value against
// it, so that a bad value fails at start with the key, the value, where it
// came from and what would be valid, rather than later in a daemon. Unknown
// keys under "spindle." are errors, with the closest known key suggested;
// other unknown keys (yarn.*, hadoop.*, spark.*) are kept and reported by
// Config.Warnings, because YARN installations carry many keys Spindle does
// not use.
//
// Values may refer to other keys as ${other.key}, to the user as
// ${user.name} and to environment variables as ${env.NAME} (with
// ${env.NAME:-fallback} and ${env.NAME-fallback} as in Hadoop). References
// are expanded when a value is read.
//
// Sizes and durations are written as in Spark (512m, 3g, 500ms, 5min); see
// ParseSize and ParseDuration.
package conf
