package conf

import "path/filepath"

// Environment variables that say where configuration files are, as Hadoop
// and Spark read them.
const (
	// EnvConfDir is Spindle's configuration directory.
	EnvConfDir = "SPINDLE_CONF_DIR"
	// EnvYarnConfDir is YARN's configuration directory; it comes before
	// HADOOP_CONF_DIR, as in Hadoop's yarn command.
	EnvYarnConfDir = "YARN_CONF_DIR"
	// EnvHadoopConfDir is Hadoop's configuration directory.
	EnvHadoopConfDir = "HADOOP_CONF_DIR"
	// EnvHadoopHome is where Hadoop is installed; its etc/hadoop is
	// HADOOP_CONF_DIR's default.
	EnvHadoopHome = "HADOOP_HOME"
	// EnvSparkConfDir is Spark's configuration directory.
	EnvSparkConfDir = "SPARK_CONF_DIR"
	// EnvSparkHome is where Spark is installed; its conf is
	// SPARK_CONF_DIR's default.
	EnvSparkHome = "SPARK_HOME"
)

// FromConfDirFlag is the From of the directory given with --conf-dir.
const FromConfDirFlag = "--conf-dir"

// The configuration files Spindle reads, by name.
const (
	FileYarnSite          = "yarn-site.xml"
	FileCapacityScheduler = "capacity-scheduler.xml"
	FileCoreSite          = "core-site.xml"
	FileHDFSSite          = "hdfs-site.xml"
	FileSpindleSite       = "spindle-site.xml"
	// FileSpindleDefaults is Spindle's spark-defaults.conf, read by
	// spindle submit from Spindle's directory.
	FileSpindleDefaults = "spindle-defaults.conf"
	// FileSparkDefaults is read by spindle submit from Spark's directory.
	FileSparkDefaults = "spark-defaults.conf"
)

// hadoopFiles are Hadoop's own files, looked for in every directory of
// Search.Hadoop; Spindle's own files are looked for in Search.Spindle only.
var hadoopFiles = []string{FileYarnSite, FileCapacityScheduler, FileCoreSite, FileHDFSSite}

// SearchDir is a directory searched for configuration files, or an
// environment variable that would name one and is not set (Path empty).
type SearchDir struct {
	// Path is the directory; empty when From is not set.
	Path string
	// From says what named Path: FromConfDirFlag, an environment variable
	// ("HADOOP_CONF_DIR"), one with a subdirectory ("$HADOOP_HOME/etc/hadoop"),
	// or several joined with ", " when they name the same directory.
	From string
}

// String is the directory and what named it, for messages.
func (d SearchDir) String() string {
	switch {
	case d.Path == "":
		return d.From + " is not set"
	case d.From == "":
		return d.Path
	}
	return d.Path + " (" + d.From + ")"
}

// Search is where configuration files are looked for. Each file is read
// from the first directory of its list that holds it, as Hadoop's classpath
// finds one yarn-site.xml; directories are not layered.
type Search struct {
	// Spindle is Spindle's own directory, the only one searched for
	// spindle-site.xml and spindle-defaults.conf: --conf-dir if given, else
	// SPINDLE_CONF_DIR; Path is empty when there is none.
	Spindle SearchDir
	// Hadoop are searched in order for yarn-site.xml,
	// capacity-scheduler.xml, core-site.xml and hdfs-site.xml: Spindle's
	// directory, YARN_CONF_DIR, HADOOP_CONF_DIR and, when HADOOP_CONF_DIR is
	// not set, $HADOOP_HOME/etc/hadoop and then Hadoop 1's $HADOOP_HOME/conf.
	// Entries with an empty Path are the variables that were not set.
	Hadoop []SearchDir
	// Spark is searched for spark-defaults.conf: SPARK_CONF_DIR, else
	// $SPARK_HOME/conf, as spark-submit does. Entries with an empty Path
	// are the variables that were not set.
	Spark []SearchDir
}

// Discover returns where configuration is looked for, reading the
// environment with lookupEnv (nil means none). confDir is the directory
// --conf-dir gave, with From FromConfDirFlag; a zero confDir means
// SPINDLE_CONF_DIR. A variable set to "" counts as not set.
func Discover(confDir SearchDir, lookupEnv func(string) (string, bool)) Search {
	env := func(name string) SearchDir {
		if lookupEnv == nil {
			return SearchDir{From: name}
		}
		v, _ := lookupEnv(name)
		return SearchDir{Path: v, From: name}
	}
	var s Search
	s.Spindle = confDir
	if confDir.From == "" {
		s.Spindle = env(EnvConfDir)
	}
	s.Hadoop = appendDir(nil, s.Spindle)
	s.Hadoop = appendDir(s.Hadoop, env(EnvYarnConfDir))
	hadoop := env(EnvHadoopConfDir)
	s.Hadoop = appendDir(s.Hadoop, hadoop)
	if hadoop.Path == "" {
		home := env(EnvHadoopHome)
		if home.Path == "" {
			s.Hadoop = appendDir(s.Hadoop, home)
		} else {
			s.Hadoop = appendDir(s.Hadoop, SearchDir{Path: filepath.Join(home.Path, "etc", "hadoop"), From: "$" + EnvHadoopHome + "/etc/hadoop"})
			s.Hadoop = appendDir(s.Hadoop, SearchDir{Path: filepath.Join(home.Path, "conf"), From: "$" + EnvHadoopHome + "/conf"})
		}
	}
	spark := env(EnvSparkConfDir)
	s.Spark = []SearchDir{spark}
	if spark.Path == "" {
		if home := env(EnvSparkHome); home.Path == "" {
			s.Spark = append(s.Spark, home)
		} else {
			s.Spark = []SearchDir{{Path: filepath.Join(home.Path, "conf"), From: "$" + EnvSparkHome + "/conf"}}
		}
	}
	return s
}

// searchOf is the Search of LoadOptions.Dir: that directory alone, for
// every file.
func searchOf(dir string) Search {
	if dir == "" {
		return Search{}
	}
	d := SearchDir{Path: dir}
	return Search{Spindle: d, Hadoop: []SearchDir{d}}
}

// appendDir appends d to dirs, or, when an earlier entry has the same
// directory, adds d's From to it, so that a directory is searched once.
func appendDir(dirs []SearchDir, d SearchDir) []SearchDir {
	if d.Path == "" && d.From == "" {
		return dirs
	}
	for i, e := range dirs {
		if d.Path != "" && filepath.Clean(e.Path) == filepath.Clean(d.Path) {
			if d.From != "" && e.From != "" {
				dirs[i].From = e.From + ", " + d.From
			}
			return dirs
		}
	}
	return append(dirs, d)
}

// dirsFor returns the directories searched for the file name.
func (s Search) dirsFor(name string) []SearchDir {
	for _, h := range hadoopFiles {
		if h == name {
			return s.Hadoop
		}
	}
	if name == FileSparkDefaults {
		return s.Spark
	}
	if s.Spindle.Path == "" && s.Spindle.From == "" {
		return nil
	}
	return []SearchDir{s.Spindle}
}
