package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spindlehq/spindle/conf"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rmKeyPrefixes are the keys, by prefix, that name the ResourceManager
// clients dial; when a file or --conf sets one, the address is not the
// built-in default.
var rmKeyPrefixes = []string{"yarn.resourcemanager.address", "yarn.resourcemanager.hostname", "yarn.resourcemanager.ha."}

// Ways to name the ResourceManager other than a file, for the hint of
// explainNoRM.
const (
	rmByConf   = "give --conf yarn.resourcemanager.address=HOST:PORT"
	rmByMaster = "give --master spindle://HOST:PORT"
)

// rmConfigured reports whether a file or --conf names the ResourceManager.
func rmConfigured(cfg *conf.Config) bool {
	for _, k := range cfg.Keys() {
		for _, p := range rmKeyPrefixes {
			if strings.HasPrefix(k, p) && cfg.Configured(k) {
				return true
			}
		}
	}
	return false
}

// rmSource says where the ResourceManager's address came from, for
// --verbose.
func rmSource(cfg *conf.Config) string {
	const addr, host = "yarn.resourcemanager.address", "yarn.resourcemanager.hostname"
	if !cfg.Configured(addr) && cfg.Configured(host) {
		return fmt.Sprintf("%s from %s", host, cfg.Source(host))
	}
	return fmt.Sprintf("%s from %s", addr, cfg.Source(addr))
}

// explainNoRM adds to err, an error reaching the ResourceManager, where
// configuration was looked for, when no file or --conf names the
// ResourceManager: the built-in address dialed then reaches one on this
// host only, and the user most likely expected a yarn-site.xml to be
// found. other says how else to name the ResourceManager (rmByConf,
// rmByMaster).
func explainNoRM(cfg *conf.Config, err error, other string) error {
	if err == nil || rmConfigured(cfg) {
		return err
	}
	if code := status.Code(err); code != codes.Unavailable && code != codes.DeadlineExceeded {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "No configuration names the ResourceManager: yarn.resourcemanager.address and yarn.resourcemanager.hostname are not set, so the default %s was dialed, which reaches a ResourceManager on this host only. ", cfg.Get("yarn.resourcemanager.address"))
	fmt.Fprintf(&b, "Point %s, %s or %s at the directory of the cluster's %s, which sets yarn.resourcemanager.address, or %s.\n", conf.EnvConfDir, conf.EnvYarnConfDir, conf.EnvHadoopConfDir, conf.FileYarnSite, other)
	writeLookedIn(&b, cfg, conf.FileYarnSite)
	return fmt.Errorf("%w\n%s", err, strings.TrimSuffix(b.String(), "\n"))
}

// writeLookedIn writes where the file name was looked for, a line per
// directory.
func writeLookedIn(w io.Writer, cfg *conf.Config, name string) {
	fmt.Fprintf(w, "%s was looked for in:\n", name)
	for _, l := range cfg.Search().LookedIn(name) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// writeConfFiles writes, for --verbose, the configuration files read and,
// when there is no yarn-site.xml, where it was looked for.
func writeConfFiles(w io.Writer, cfg *conf.Config) {
	hasYarnSite := false
	for _, f := range cfg.Files() {
		fmt.Fprintf(w, "Using configuration file: %s\n", f)
		hasYarnSite = hasYarnSite || f.Name == conf.FileYarnSite
	}
	if !hasYarnSite {
		writeLookedIn(w, cfg, conf.FileYarnSite)
	}
}
