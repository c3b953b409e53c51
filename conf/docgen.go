package conf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
)

// docIntro opens docs/configuration.md, before the generated tables.
//
//go:embed configuration_intro.md
var docIntro string

// docApps opens the application keys' part of docs/configuration.md.
//
//go:embed configuration_apps.md
var docApps string

// generateDoc renders docs/configuration.md: the introduction and a table
// per group of the daemon keys, in the order the groups first appear in
// spindle-default.xml, then the application keys' introduction and a
// table per group of application keys, the ignored ones last.
func generateDoc(daemon, apps []Key) []byte {
	var b bytes.Buffer
	b.WriteString(docIntro)
	writeGroups(&b, daemon, "##")
	b.WriteString(docApps)
	var honoured, ignored []Key
	for _, k := range apps {
		if k.Ignored != "" {
			ignored = append(ignored, k)
		} else {
			honoured = append(honoured, k)
		}
	}
	writeGroups(&b, honoured, "###")
	if len(ignored) > 0 {
		fmt.Fprintf(&b, "\n### %s\n\n", GroupIgnored)
		b.WriteString("`spindle submit` prints one warning for each of these and drops it; the job does not see it.\n\n")
		b.WriteString("| Key | Why |\n| --- | --- |\n")
		for _, k := range ignored {
			fmt.Fprintf(&b, "| %s | %s |\n", cell(DocName(k)), cell(capitalize(k.Ignored)))
		}
	}
	return b.Bytes()
}

// writeGroups writes a table per group of keys, in the order the groups
// first appear, under headings of the given level.
func writeGroups(b *bytes.Buffer, keys []Key, level string) {
	var groups []string
	byGroup := map[string][]Key{}
	for _, k := range keys {
		if _, seen := byGroup[k.Group]; !seen {
			groups = append(groups, k.Group)
		}
		byGroup[k.Group] = append(byGroup[k.Group], k)
	}
	for _, g := range groups {
		fmt.Fprintf(b, "\n%s %s\n\n", level, g)
		b.WriteString("| Key | Default | Type | Meaning |\n")
		b.WriteString("| --- | --- | --- | --- |\n")
		for _, k := range byGroup[g] {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n",
				cell(code(k.Name)), cell(DocDefault(k)), cell(DocType(k)), cell(k.Description))
		}
	}
}

// DocName renders a key's name for a table: a family as "spark.sql.*
// (every key under it)".
func DocName(k Key) string {
	if k.IsFamily() {
		return code(k.Name) + " (every key under it)"
	}
	return code(k.Name)
}

// DocDefault renders a key's default for a table: a value as code, a
// rule as text.
func DocDefault(k Key) string {
	switch {
	case k.DefaultDoc != "":
		return k.DefaultDoc
	case k.IsFamily():
		return "(none)"
	case k.Default == "" && k.Scope == ScopeApplication:
		return "(none)"
	case k.Default == "":
		return "(empty)"
	}
	return code(k.Default)
}

// DocType renders a key's type for a table, with the smallest value, the
// unit of a bare number or the values allowed.
func DocType(k Key) string {
	var s string
	switch {
	case k.Type == TypeSize:
		s = "size"
	case k.Type == TypeDuration:
		s = "duration"
	case k.Type == TypeFloat:
		s = "number"
	case k.Type == TypeInt:
		s = "whole number"
	case len(k.Values) > 0:
		vals := make([]string, len(k.Values))
		for i, v := range k.Values {
			vals[i] = code(v)
		}
		if k.FoldCase {
			return "one of " + strings.Join(vals, ", ") + " (any case)"
		}
		return "one of " + strings.Join(vals, ", ")
	default:
		return k.Type
	}
	if k.Min != "" {
		s += " ≥ " + k.Min
	}
	switch k.Type {
	case TypeSize:
		s += fmt.Sprintf(" (bare number: %s)", sizeUnitNames[sizeUnits[k.Unit]])
	case TypeDuration:
		s += fmt.Sprintf(" (bare number: %s)", durationUnitName(k.durationUnit()))
	}
	return s
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// code renders s as inline code.
func code(s string) string {
	return "`" + s + "`"
}

// cell escapes s for a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
