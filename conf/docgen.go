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

// generateDoc renders docs/configuration.md from the known keys: the
// introduction, then a table per group in the order the groups first
// appear in spindle-default.xml.
func generateDoc(keys []Key) []byte {
	var groups []string
	byGroup := map[string][]Key{}
	for _, k := range keys {
		if _, seen := byGroup[k.Group]; !seen {
			groups = append(groups, k.Group)
		}
		byGroup[k.Group] = append(byGroup[k.Group], k)
	}
	var b bytes.Buffer
	b.WriteString(docIntro)
	for _, g := range groups {
		fmt.Fprintf(&b, "\n## %s\n\n", g)
		b.WriteString("| Key | Default | Type | Meaning |\n")
		b.WriteString("| --- | --- | --- | --- |\n")
		for _, k := range byGroup[g] {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n",
				cell(code(k.Name)), cell(docDefault(k)), cell(docType(k)), cell(k.Description))
		}
	}
	return b.Bytes()
}

// docDefault renders a key's default for the table.
func docDefault(k Key) string {
	switch {
	case k.IsFamily():
		return "(none)"
	case k.Default == "":
		return "(empty)"
	}
	return code(k.Default)
}

// docType renders a key's type, with the unit of a bare number or the
// values allowed.
func docType(k Key) string {
	switch {
	case k.Type == TypeSize:
		return fmt.Sprintf("size (bare number: %s)", sizeUnitNames[sizeUnits[k.Unit]])
	case k.Type == TypeDuration:
		return fmt.Sprintf("duration (bare number: %s)", durationUnitName(k.durationUnit()))
	case len(k.Values) > 0:
		vals := make([]string, len(k.Values))
		for i, v := range k.Values {
			vals[i] = code(v)
		}
		return "one of " + strings.Join(vals, ", ")
	}
	return k.Type
}

// code renders s as inline code.
func code(s string) string {
	return "`" + s + "`"
}

// cell escapes s for a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
