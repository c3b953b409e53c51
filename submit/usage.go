package submit

import (
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// Layout of Usage: the column where help text starts and the line width.
const (
	usageColumn = 30
	usageWidth  = 80
)

// Usage returns the help text of `spindle submit`, listing every flag, in
// the manner of spark-submit --help.
func Usage() string {
	var b strings.Builder
	b.WriteString(`Usage: spindle submit [options] <job binary> [job arguments]
Usage: spindle submit --kill APP_ID [--master MASTER_URL]
Usage: spindle submit --status APP_ID [--master MASTER_URL]
Usage: spindle submit --version

Submits a Spindle job, a Go binary, with spark-submit's options. Flags win
over --conf, which wins over --properties-file, which wins over
spindle-defaults.conf, which wins over spark-defaults.conf. Sizes are like
512m or 3g; durations like 500ms, 30s or 5min.

Options:
`)
	for _, f := range flags {
		if f.ignored == "" {
			writeFlag(&b, f, f.help)
		}
	}
	b.WriteString("\nAccepted so that spark-submit scripts run unchanged, and ignored:\n")
	for _, f := range flags {
		if f.ignored != "" {
			writeFlag(&b, f, capitalize(f.ignored)+". "+f.help)
		}
	}
	return b.String()
}

// writeFlag writes one flag's entry, its help wrapped to usageWidth.
func writeFlag(b *strings.Builder, f flagSpec, help string) {
	head := "  " + f.name
	if f.short != "" {
		head += ", " + f.short
	}
	if f.arg != "" {
		head += " " + f.arg
	}
	if f.key != "" {
		help += " Default: " + flagDefault(f.key) + ". (" + f.key + ")"
	}
	b.WriteString(head)
	col := len(head)
	if col >= usageColumn-1 {
		b.WriteString("\n")
		col = 0
	}
	b.WriteString(strings.Repeat(" ", usageColumn-col))
	col = usageColumn
	for i, w := range strings.Fields(help) {
		if i > 0 && col+1+len(w) > usageWidth {
			b.WriteString("\n" + strings.Repeat(" ", usageColumn))
			col = usageColumn
		} else if i > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteString("\n")
}

// flagDefault is the default of the key a flag sets, as the registry
// documents it, without Markdown.
func flagDefault(key string) string {
	k, _ := conf.LookupAppKey(key)
	return strings.ReplaceAll(conf.DocDefault(k), "`", "")
}

// capitalize upper-cases the first letter of an ASCII phrase.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
