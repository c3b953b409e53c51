package conf

import (
	"fmt"
	"os"
)

// hadoopClientFiles are the HDFS client's files, read in this order, each
// overriding the one before, as Hadoop's HdfsConfiguration reads them.
var hadoopClientFiles = []string{FileCoreSite, FileHDFSSite}

// HadoopClientConf returns the HDFS client's configuration: the properties
// of core-site.xml and then hdfs-site.xml, each read from the first
// directory of s.Hadoop that holds it, with ${...} references expanded as
// Config.Get expands them (lookupEnv resolves ${env.NAME}; nil means
// os.LookupEnv). It returns the files read too, for messages. Neither file
// is required: with none, the map is empty.
//
// The directories are checked as Load checks them (see Search.Check); a
// malformed file is an error naming it and the line.
func HadoopClientConf(s Search, lookupEnv func(string) (string, bool)) (map[string]string, []ConfFile, error) {
	if _, err := s.Check(); err != nil {
		return nil, nil, err
	}
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	raw := map[string]entry{}
	var files []ConfFile
	for _, name := range hadoopClientFiles {
		f, data, ok, err := s.Find(name)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		props, err := parseHadoopXML(f.Path, data)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
		for _, p := range props {
			raw[p.name] = entry{value: p.value, source: f.Path, line: p.line}
		}
	}
	out := make(map[string]string, len(raw))
	user := userName(lookupEnv)
	for key, e := range raw {
		x := &expander{
			lookup: func(k string) (string, bool) {
				e, ok := raw[k]
				return e.value, ok
			},
			lookupEnv: lookupEnv,
			userName:  user,
		}
		exp, err := x.expandKey(key, e.value)
		if err != nil {
			return nil, nil, fmt.Errorf("conf: cannot expand %s (from %s): %w", key, e.where(), err)
		}
		out[key] = exp.value
	}
	return out, files, nil
}
