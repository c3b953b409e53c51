package conf

import (
	"errors"
	"os"
	"os/user"
	"strings"
)

// siteFiles are the files a Config is built from, read in this order, each
// overriding the ones before. core-site.xml and hdfs-site.xml are the HDFS
// client's (see HadoopClientConf).
var siteFiles = []string{FileYarnSite, FileCapacityScheduler, FileSpindleSite}

// LoadOptions says where Load reads the configuration from.
type LoadOptions struct {
	// Dir is the configuration directory holding yarn-site.xml,
	// capacity-scheduler.xml and spindle-site.xml, each optional. Empty
	// means none; a Dir that does not exist is an error. Search, when set,
	// is used instead.
	Dir string
	// Search, when not nil, says where each file is looked for (see
	// Discover): commands and daemons find Hadoop's files where Hadoop
	// keeps them.
	Search *Search
	// Overrides are KEY=VALUE strings as given to --conf, applied in order
	// after the files. Key and value are trimmed of whitespace.
	Overrides []string
	// LookupEnv looks up environment variables for ${env.NAME} and, when the
	// operating system does not know the user, USER for ${user.name}. Nil
	// means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// search is where opts looks for files.
func (o LoadOptions) search() Search {
	if o.Search != nil {
		return *o.Search
	}
	return searchOf(o.Dir)
}

// Validate reports whether Dir, or Spindle's directory of Search, when
// set, is an existing directory, whether every other directory of Search
// that exists is a directory (see Search.Check), and whether every override
// has the form KEY=VALUE.
func (o LoadOptions) Validate() error {
	var errs []error
	if _, err := o.search().Check(); err != nil {
		errs = append(errs, err)
	}
	for _, o := range o.Overrides {
		key, _, found := strings.Cut(o, "=")
		err := checkKeyName(strings.TrimSpace(key))
		if !found || err != nil {
			errs = append(errs, newError(ErrSyntax, "conf: --conf %q is not KEY=VALUE (e.g. --conf yarn.nodemanager.resource.memory-mb=4g)", o))
		}
	}
	return errors.Join(errs...)
}

// Load builds a Config from the built-in defaults, then yarn-site.xml,
// capacity-scheduler.xml and spindle-site.xml, each from the first
// directory of opts.Search (or opts.Dir) that holds it, then
// opts.Overrides, each overriding the ones before.
//
// Load checks every value of a known key against the key's type, after
// ${...} expansion, and rejects unknown keys under "spindle."; it reports
// all such problems at once, each naming the key, the value, where it was
// set and what would be valid. Unknown keys outside "spindle." are kept and
// listed by Warnings, except those of files found in a directory other than
// Spindle's own: Hadoop's files hold many keys for Hadoop's daemons. A
// missing Dir, a malformed file (named with the line) or an override
// without "=" fails before any value is checked.
func Load(opts LoadOptions) (*Config, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	search := opts.search()
	dirWarnings, _ := search.Check()
	reg, err := defaultRegistry()
	if err != nil {
		return nil, err
	}
	lookupEnv := opts.LookupEnv
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	c := &Config{
		reg:       reg,
		entries:   make(map[string]entry, len(reg.keys)),
		unknown:   map[string]string{},
		lookupEnv: lookupEnv,
		userName:  userName(lookupEnv),
		search:    search,
		quiet:     map[string]bool{},
		notices:   dirWarnings,
	}
	for _, k := range reg.keys {
		if !k.IsFamily() {
			c.entries[k.Name] = entry{value: k.Default, source: SourceDefault}
		}
	}
	var errs []error
	for _, name := range siteFiles {
		f, data, ok, err := search.Find(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		props, err := parseHadoopXML(f.Path, data)
		if err != nil {
			return nil, err
		}
		c.files = append(c.files, f)
		c.quiet[f.Path] = f.Dir.Path != search.Spindle.Path
		for _, p := range props {
			errs = append(errs, c.apply(p.name, p.value, f.Path, p.line))
		}
	}
	for _, o := range opts.Overrides {
		key, value, _ := strings.Cut(o, "=")
		errs = append(errs, c.apply(strings.TrimSpace(key), trimValue(strings.TrimSpace(key), value), SourceOverride, 0))
	}
	errs = append(errs, c.validate("")...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// userName is the value of ${user.name}: the operating system's name for
// the current user, else $USER, else empty (which leaves ${user.name} as
// written).
func userName(lookupEnv func(string) (string, bool)) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v, ok := lookupEnv("USER"); ok {
		return v
	}
	return ""
}
