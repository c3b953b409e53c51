package submit

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/staging"
)

// resolver looks keys up with flags over the gathered settings.
type resolver struct {
	cl       *commandLine
	settings map[string]setting
	// flagOf maps a key to the flag that sets it.
	flagOf map[string]string
}

// find returns key's value and its source: the flag that set it (byFlag),
// else "--conf" or the properties file.
func (r *resolver) find(key string) (value, source string, byFlag, ok bool) {
	if f := r.flagOf[key]; f != "" {
		if v, set := r.cl.flagValues[f]; set {
			return v, f, true, true
		}
	}
	if s, set := r.settings[key]; set {
		return s.value, s.source, false, true
	}
	return "", "", false, false
}

// lookup returns key's value and where it came from, for messages: the
// flag, or the key and its source.
func (r *resolver) lookup(key string) (value, where string, ok bool) {
	value, source, byFlag, ok := r.find(key)
	switch {
	case !ok:
		return "", "", false
	case byFlag:
		return value, source, true
	}
	return value, fmt.Sprintf("%s (from %s)", printable(key), source), true
}

// invalid describes a bad value of a flag or key.
func invalid(where string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalidValue, where, err)
}

// resolve checks every application key set, by flag, --conf or the
// properties file, against the registry, parses them into o.Settings, warns of
// those Spindle acts on differently from Spark, and fills o's typed
// fields and o.Conf.
func (p *parser) resolve(cl *commandLine, settings map[string]setting, o *Options) error {
	r := &resolver{cl: cl, settings: settings, flagOf: map[string]string{}}
	for _, f := range flags {
		if f.key != "" && f.ignored == "" {
			r.flagOf[f.key] = f.name
		}
	}
	keys := slices.Collect(maps.Keys(settings))
	for key, f := range r.flagOf {
		if _, set := cl.flagValues[f]; set && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	for _, key := range keys {
		k, ok := conf.LookupAppKey(key)
		if !ok {
			continue
		}
		v, where, _ := r.lookup(key)
		if err := o.Settings.Set(key, v); err != nil {
			return invalid(where, err)
		}
		if k.Notice != nil {
			if n := k.Notice(v); n != "" {
				p.warn(fmt.Sprintf("Warning: %s is %q: %s", where, v, n))
			}
		}
	}
	if o.Action == ActionSubmit && !o.Settings.IsSet(conf.KeyAppName) {
		if err := o.Settings.Set(conf.KeyAppName, filepath.Base(o.Application)); err != nil {
			return invalid("the job binary's name", err)
		}
	}
	a := &o.Settings
	o.Master, o.DeployMode, o.Queue = a.String(conf.KeyMaster), a.String(conf.KeyDeployMode), a.String(conf.KeyQueue)
	o.Name = a.String(conf.KeyAppName)
	o.NumExecutors = int(a.Int(conf.KeyExecutorInstances))
	o.ExecutorCores = int(a.Int(conf.KeyExecutorCores))
	o.DriverCores = int(a.Int(conf.KeyDriverCores))
	o.ExecutorMemoryMB, o.DriverMemoryMB = a.MB(conf.KeyExecutorMemory), a.MB(conf.KeyDriverMemory)
	o.ExecutorMemoryOverheadMB, o.DriverMemoryOverheadMB = launch.ExecutorOverheadMB(*a), launch.DriverOverheadMB(*a)
	p.warnSmallOverhead(r, conf.KeyExecutorMemoryOverhead)
	p.warnSmallOverhead(r, conf.KeyDriverMemoryOverhead)
	o.Supervise = a.Bool(conf.KeySupervise)
	if err := r.files(o); err != nil {
		return err
	}
	o.Conf = r.conf(o)
	o.Sources = r.sources(o)
	return nil
}

// warnSmallOverhead warns when an overhead key, or its older name, is set
// under 1 MiB, which leaves the ResourceManager's rule in force.
func (p *parser) warnSmallOverhead(r *resolver, key string) {
	k, _ := conf.LookupAppKey(key)
	for _, name := range append([]string{key}, k.Alternatives...) {
		if v, where, ok := r.lookup(name); ok {
			if mb, err := conf.ParseSize(v, "m"); err == nil && mb < 1<<20 {
				p.warn(fmt.Sprintf("Warning: %s is %q, under 1 MiB, so the RM's default overhead applies: %s.", where, v, conf.DocDefault(k)))
			}
			return
		}
	}
}

// files resolves what to stage: --files or spark.yarn.dist.files, then
// spark.files, and --archives or spark.yarn.dist.archives, then
// spark.archives, without duplicates. Two different entries that would
// take the same name in the working directory are an error, as is an
// archive whose name has no archive extension.
func (r *resolver) files(o *Options) error {
	byName := map[string]string{}
	add := func(dest *[]string, archive bool, v, where string) error {
		for _, f := range conf.SplitList(v) {
			src, err := staging.ParseSource(f, archive)
			if err != nil {
				return invalid(where, err)
			}
			if prev, ok := byName[src.Name]; ok {
				if prev == f {
					continue
				}
				return invalid(where, fmt.Errorf("%q and %q would both be placed in the working directory as %q", prev, f, src.Name))
			}
			byName[src.Name] = f
			*dest = append(*dest, f)
		}
		return nil
	}
	for _, l := range []struct {
		dest    *[]string
		archive bool
		keys    []string
	}{
		{&o.Files, false, []string{conf.KeyDistFiles, conf.KeyFiles}},
		{&o.Archives, true, []string{conf.KeyDistArchives, conf.KeyArchives}},
	} {
		for _, k := range l.keys {
			if v, where, ok := r.lookup(k); ok {
				if err := add(l.dest, l.archive, v, where); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// conf builds the effective keys: the settings, the keys the flags set and
// the resolved values of the flag-mapped keys.
func (r *resolver) conf(o *Options) map[string]string {
	c := make(map[string]string, len(r.settings)+16)
	for k, s := range r.settings {
		c[k] = s.value
	}
	for key, f := range r.flagOf {
		if v, ok := r.cl.flagValues[f]; ok {
			c[key] = v
		}
	}
	c[conf.KeyMaster] = o.Master
	c[conf.KeyDeployMode] = o.DeployMode
	c[conf.KeyQueue] = o.Queue
	if o.Name != "" {
		c[conf.KeyAppName] = o.Name
	}
	for _, k := range []string{conf.KeyExecutorInstances, conf.KeyExecutorCores, conf.KeyExecutorMemory, conf.KeyDriverMemory, conf.KeyDriverCores} {
		if _, ok := c[k]; !ok {
			key, _ := conf.LookupAppKey(k)
			c[k] = key.Default
		}
	}
	if len(o.Files) > 0 {
		c[conf.KeyDistFiles] = strings.Join(o.Files, ",")
	}
	if len(o.Archives) > 0 {
		c[conf.KeyDistArchives] = strings.Join(o.Archives, ",")
	}
	return c
}

// sources says where each key of o.Conf came from: its flag, --conf or
// properties file, else the default; spark.app.name without a setting is
// the job binary's name, and the staged files' keys, which gather two
// keys each, name both sources when both are set.
func (r *resolver) sources(o *Options) map[string]string {
	src := make(map[string]string, len(o.Conf))
	for k := range o.Conf {
		if _, s, _, ok := r.find(k); ok {
			src[k] = s
			continue
		}
		src[k] = SourceDefault
	}
	if _, _, _, ok := r.find(conf.KeyAppName); !ok && o.Name != "" {
		src[conf.KeyAppName] = SourceBinaryName
	}
	for key, other := range map[string]string{conf.KeyDistFiles: conf.KeyFiles, conf.KeyDistArchives: conf.KeyArchives} {
		if _, s, _, ok := r.find(other); ok && o.Conf[key] != "" {
			from := fmt.Sprintf("%s (from %s)", other, s)
			if _, own, _, set := r.find(key); set {
				from = own + " and " + from
			}
			src[key] = from
		}
	}
	return src
}
