package submit

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/staging"
)

// resolver looks keys up with flags over the gathered settings.
type resolver struct {
	cl       *commandLine
	settings map[string]setting
	// flagOf maps a key to the flag that sets it.
	flagOf map[string]string
}

// lookup returns key's value and where it came from, for messages: the
// flag, or the key and its source.
func (r *resolver) lookup(key string) (value, where string, ok bool) {
	if f := r.flagOf[key]; f != "" {
		if v, set := r.cl.flagValues[f]; set {
			return v, f, true
		}
	}
	if s, set := r.settings[key]; set {
		return s.value, fmt.Sprintf("%s (from %s)", printable(key), s.source), true
	}
	return "", "", false
}

// value returns key's value, or def when it is unset, and where it came
// from.
func (r *resolver) value(key, def string) (string, string) {
	if v, where, ok := r.lookup(key); ok {
		return v, where
	}
	return def, key + " (default)"
}

// invalid describes a bad value of a flag or key.
func invalid(where string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalidValue, where, err)
}

// resolve fills o from the flags and the settings, and builds o.Conf.
func (p *parser) resolve(cl *commandLine, settings map[string]setting, o *Options) error {
	r := &resolver{cl: cl, settings: settings, flagOf: map[string]string{}}
	for _, f := range flags {
		if f.key != "" && f.ignored == "" {
			r.flagOf[f.key] = f.name
		}
	}
	var err error
	var where string
	if o.Master, where = r.value("spark.master", "yarn"); checkMaster(o.Master) != nil {
		return invalid(where, checkMaster(o.Master))
	}
	if o.DeployMode, where = r.value("spark.submit.deployMode", "cluster"); checkDeployMode(o.DeployMode) != nil {
		return invalid(where, checkDeployMode(o.DeployMode))
	}
	if o.Queue, where = r.value("spark.yarn.queue", "default"); o.Queue == "" {
		return invalid(where, fmt.Errorf("the queue name is empty"))
	}
	if name, where, ok := r.lookup("spark.app.name"); ok {
		if name == "" {
			return invalid(where, fmt.Errorf("the application name is empty"))
		}
		o.Name = name
	} else if o.Action == ActionSubmit {
		o.Name = filepath.Base(o.Application)
	}
	counts := []struct {
		key string
		dst *int
	}{
		{"spark.executor.instances", &o.NumExecutors},
		{"spark.executor.cores", &o.ExecutorCores},
		{"spark.driver.cores", &o.DriverCores},
	}
	for _, c := range counts {
		v, where := r.value(c.key, keysByName[c.key].Value)
		n, err := parseCount(v)
		if err != nil {
			return invalid(where, err)
		}
		*c.dst = int(n)
	}
	v, where := r.value("spark.executor.memory", "1g")
	if o.ExecutorMemoryMB, err = parseMemoryMB(v); err != nil {
		return invalid(where, err)
	}
	v, where = r.value("spark.driver.memory", "1g")
	if o.DriverMemoryMB, err = parseMemoryMB(v); err != nil {
		return invalid(where, err)
	}
	if o.ExecutorMemoryOverheadMB, err = p.overhead(r, "spark.executor.memoryOverhead"); err != nil {
		return err
	}
	if o.DriverMemoryOverheadMB, err = p.overhead(r, "spark.driver.memoryOverhead"); err != nil {
		return err
	}
	v, where = r.value("spark.driver.supervise", "false")
	if o.Supervise, err = parseBool(v); err != nil {
		return invalid(where, err)
	}
	if err := r.files(o); err != nil {
		return err
	}
	o.Conf = r.conf(o)
	for _, k := range Keys {
		if v, ok := o.Conf[k.Name]; ok {
			if err := checkValue(k.Type, v); err != nil {
				_, where := r.value(k.Name, "")
				return invalid(where, err)
			}
		}
	}
	return nil
}

// overhead resolves a memory overhead key, or its older name when it is
// unset, into MiB; 0 means the RM's rule.
func (p *parser) overhead(r *resolver, key string) (int64, error) {
	doc := keysByName[key]
	v, where, ok := r.lookup(key)
	if !ok {
		if v, where, ok = r.lookup(doc.Alias); !ok {
			return 0, nil
		}
	}
	mb, err := parseOverheadMB(v)
	if err != nil {
		return 0, invalid(where, err)
	}
	if mb == 0 {
		p.warn(fmt.Sprintf("Warning: %s is %q, under 1 MiB, so the RM's default overhead applies: %s.", where, v, doc.Default))
	}
	return mb, nil
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
		{&o.Files, false, []string{"spark.yarn.dist.files", "spark.files"}},
		{&o.Archives, true, []string{"spark.yarn.dist.archives", "spark.archives"}},
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
	c["spark.master"] = o.Master
	c["spark.submit.deployMode"] = o.DeployMode
	c["spark.yarn.queue"] = o.Queue
	if o.Name != "" {
		c["spark.app.name"] = o.Name
	}
	for _, k := range []string{"spark.executor.instances", "spark.executor.cores", "spark.executor.memory", "spark.driver.memory", "spark.driver.cores"} {
		if _, ok := c[k]; !ok {
			c[k] = keysByName[k].Value
		}
	}
	if len(o.Files) > 0 {
		c["spark.yarn.dist.files"] = strings.Join(o.Files, ",")
	}
	if len(o.Archives) > 0 {
		c["spark.yarn.dist.archives"] = strings.Join(o.Archives, ",")
	}
	return c
}
