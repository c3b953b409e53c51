package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// siteFiles are the files of a configuration directory, read in this
// order, each overriding the ones before.
var siteFiles = []string{"yarn-site.xml", "capacity-scheduler.xml", "spindle-site.xml"}

// LoadOptions says where Load reads the configuration from.
type LoadOptions struct {
	// Dir is the configuration directory holding yarn-site.xml,
	// capacity-scheduler.xml and spindle-site.xml, each optional. Empty
	// means none; a Dir that does not exist is an error.
	Dir string
	// Overrides are KEY=VALUE strings as given to --conf, applied in order
	// after the files. Key and value are trimmed of whitespace.
	Overrides []string
	// LookupEnv looks up environment variables for ${env.NAME} and, when the
	// operating system does not know the user, USER for ${user.name}. Nil
	// means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Validate reports whether Dir, when set, is an existing directory and
// every override has the form KEY=VALUE.
func (o LoadOptions) Validate() error {
	var errs []error
	if o.Dir != "" {
		info, err := os.Stat(o.Dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s does not exist", o.Dir))
		case err != nil:
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s: %w", o.Dir, err))
		case !info.IsDir():
			errs = append(errs, newError(ErrConfDir, "conf: configuration directory %s is not a directory", o.Dir))
		}
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

// Load builds a Config from the built-in defaults, then the files of
// opts.Dir (yarn-site.xml, capacity-scheduler.xml, spindle-site.xml), then
// opts.Overrides, each overriding the ones before.
//
// Load checks every value of a known key against the key's type, after
// ${...} expansion, and rejects unknown keys under "spindle."; it reports
// all such problems at once, each naming the key, the value, where it was
// set and what would be valid. Unknown keys outside "spindle." are kept and
// listed by Warnings. A missing Dir, a malformed file (named with the line)
// or an override without "=" fails before any value is checked.
func Load(opts LoadOptions) (*Config, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
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
	}
	for _, k := range reg.keys {
		if !k.IsFamily() {
			c.entries[k.Name] = entry{value: k.Default, source: SourceDefault}
		}
	}
	var errs []error
	if opts.Dir != "" {
		for _, name := range siteFiles {
			path := filepath.Join(opts.Dir, name)
			props, err := readSiteFile(path)
			if err != nil {
				return nil, err
			}
			for _, p := range props {
				errs = append(errs, c.apply(p.name, p.value, path, p.line))
			}
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

// readSiteFile parses one configuration file; a missing file has no
// properties.
func readSiteFile(path string) ([]property, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("conf: reading %s: %w", path, err)
	}
	return parseHadoopXML(path, data)
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
