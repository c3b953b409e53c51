package submit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// DefaultsFile is the properties file read from Spindle's configuration
// directory when --properties-file is not given, Spindle's
// spark-defaults.conf.
const DefaultsFile = conf.FileSpindleDefaults

// parser carries the state of one Parse.
type parser struct {
	po       ParseOptions
	warnings []string
	warned   map[string]bool
}

// warn adds a warning line, once.
func (p *parser) warn(w string) {
	if !p.warned[w] {
		p.warned[w] = true
		p.warnings = append(p.warnings, w)
	}
}

// Parse parses spark-submit's command line, without the program name, and
// resolves it with Spark's precedence: explicit flags, then --conf, then
// --properties-file, then the defaults files (spindle-defaults.conf in
// Spindle's directory, then spark-defaults.conf in Spark's), then the
// built-in defaults. It returns the resolved Options
// and the warnings to show, one line each, such as for flags and keys that
// Spindle ignores.
//
// Errors wrap ErrUsage, ErrUnknownFlag, ErrNoApplication, ErrInvalidValue
// or ErrPropertiesFile and name the flag, key or file at fault; the
// warnings gathered before the error are returned with it. Properties files
// are read with po.ReadFile.
func Parse(args []string, po ParseOptions) (*Options, []string, error) {
	if po.ReadFile == nil {
		po.ReadFile = os.ReadFile
	}
	p := &parser{po: po, warned: map[string]bool{}}
	cl, err := p.scan(args)
	if err != nil {
		return nil, p.warnings, err
	}
	if cl.action == ActionHelp || cl.action == ActionVersion {
		return &Options{Action: cl.action, Verbose: cl.verbose, Conf: map[string]string{}}, p.warnings, nil
	}
	o := &Options{
		Action:      cl.action,
		AppID:       cl.appID,
		Application: cl.application,
		AppArgs:     cl.appArgs,
		Verbose:     cl.verbose,
		ConfDir:     po.ConfDir,
		Sources:     map[string]string{},
	}
	if cl.confDirSet {
		o.ConfDir, o.ConfDirGiven = cl.confDir, true
	}
	settings, err := p.gather(cl, o)
	if err != nil {
		return nil, p.warnings, err
	}
	if err := p.resolve(cl, settings, o); err != nil {
		return nil, p.warnings, err
	}
	return o, p.warnings, nil
}

// setting is a key's value and where it came from.
type setting struct {
	value string
	// source is "--conf" or the properties file's name.
	source string
}

// gather collects the keys of --conf and the properties files, the first
// source that sets a key winning: --conf, --properties-file, and, without
// --properties-file or with --load-spark-defaults, spindle-defaults.conf
// in Spindle's directory, then spark-defaults.conf in Spark's. It drops
// with a warning the keys that Spindle ignores or that are not Spark's or
// Spindle's.
func (p *parser) gather(cl *commandLine, o *Options) (map[string]setting, error) {
	settings := map[string]setting{}
	var order []string
	add := func(key, value, source string) {
		if _, ok := settings[key]; !ok {
			order = append(order, key)
			settings[key] = setting{value: value, source: source}
		}
	}
	// Later --conf arguments win, as in spark-submit.
	for i := len(cl.confs) - 1; i >= 0; i-- {
		add(cl.confs[i].key, cl.confs[i].value, "--conf")
	}
	slices.Reverse(order)
	addFile := func(name string, props map[string]string) {
		if o.PropertiesFile == "" {
			o.PropertiesFile = name
		}
		o.PropertiesFiles = append(o.PropertiesFiles, name)
		o.propertiesRead = append(o.propertiesRead, propertiesFile{path: name, props: props})
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add(k, props[k], name)
		}
	}
	if cl.propertiesFile != "" {
		data, err := p.po.ReadFile(cl.propertiesFile)
		if err != nil {
			return nil, fmt.Errorf("%w: cannot read --properties-file %s: %w", ErrPropertiesFile, cl.propertiesFile, err)
		}
		props, err := ParsePropertiesFile(data, cl.propertiesFile)
		if err != nil {
			return nil, err
		}
		addFile(cl.propertiesFile, props)
	}
	if cl.propertiesFile == "" || cl.loadDefaults {
		var files []string
		if o.ConfDir != "" {
			files = append(files, filepath.Join(o.ConfDir, DefaultsFile))
		}
		// Spark reads spark-defaults.conf from one directory only; the
		// first set is it.
		for _, d := range p.po.SparkConfDirs {
			if d.Path != "" {
				files = append(files, filepath.Join(d.Path, conf.FileSparkDefaults))
				break
			}
		}
		for _, name := range files {
			props, err := p.readDefaults(name)
			if err != nil {
				return nil, err
			}
			if props != nil {
				addFile(name, props)
			}
		}
	}
	for _, k := range order {
		if err := p.admit(k, settings); err != nil {
			return nil, err
		}
	}
	return settings, nil
}

// readDefaults reads a defaults file; a missing one has no properties
// (nil).
func (p *parser) readDefaults(name string) (map[string]string, error) {
	data, err := p.po.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%w: cannot read %s: %w", ErrPropertiesFile, name, err)
	}
	return ParsePropertiesFile(data, name)
}

// clientKeys are the daemon keys `spindle submit` reads from --conf and
// the properties file as well as from the configuration directory: the
// client secret and the user's TLS files.
var clientKeys = []string{"spindle.client.secret-file", "spindle.tls.ca-file", "spindle.tls.cert-file", "spindle.tls.key-file", "spindle.tls.insecure-plaintext"}

// admit decides what becomes of a gathered key: a key that is neither
// Spark's nor Spindle's, or that Spindle ignores, is dropped with a
// warning; an unknown spindle.* key is refused; an unknown spark.* key is
// kept for the job, with a warning that names the closest known key when
// one is near, since it is most likely a typo.
func (p *parser) admit(k string, settings map[string]setting) error {
	s := settings[k]
	where := fmt.Sprintf("%s (from %s)", printable(k), s.source)
	if !strings.HasPrefix(k, "spark.") && !strings.HasPrefix(k, "spindle.") {
		p.warn("Warning: Ignoring non-Spark config property: " + printable(k))
		delete(settings, k)
		return nil
	}
	if key, ok := conf.LookupAppKey(k); ok {
		if key.Ignored != "" {
			p.warn(ignoredWarning(k, key.Ignored))
			delete(settings, k)
		}
		return nil
	}
	if key, ok := conf.LookupKey(k); ok {
		if !slices.Contains(clientKeys, k) {
			p.warn(fmt.Sprintf("Warning: %s is a daemon key: set it in the configuration directory (spindle-site.xml or yarn-site.xml); spindle submit ignores it.", where))
			delete(settings, k)
			return nil
		}
		if err := conf.CheckValue(key, s.value); err != nil {
			return invalid(where, err)
		}
		return nil
	}
	closest, dist := conf.SuggestAppKey(k)
	if strings.HasPrefix(k, "spindle.") {
		return fmt.Errorf("%w: %s is not a Spindle key: did you mean %s? (docs/configuration.md lists every key)", ErrUnknownKey, where, closest)
	}
	w := fmt.Sprintf("Warning: %s is not a Spark key Spindle knows; it is passed to the job as it is.", where)
	if dist <= maxSuggestDistance {
		w += " Did you mean " + closest + "?"
	}
	p.warn(w)
	return nil
}

// maxSuggestDistance is the edit distance up to which an unknown spark.*
// key is taken for a typo of a known one.
const maxSuggestDistance = 2
