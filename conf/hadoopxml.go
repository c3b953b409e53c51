package conf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// property is one <property> of a Hadoop configuration file.
type property struct {
	name, value string
	// hasValue tells an empty <value/> from a missing one.
	hasValue bool
	// line is where the property starts, for error messages.
	line int
	// The remaining fields are read only from spindle-default.xml.
	description, group, typ, unit, values string
}

// xmlProperty is the decoding target of a <property> element. Hadoop also
// accepts name, value and final as attributes.
type xmlProperty struct {
	NameAttr    *string `xml:"name,attr"`
	ValueAttr   *string `xml:"value,attr"`
	Name        *string `xml:"name"`
	Value       *string `xml:"value"`
	Description string  `xml:"description"`
	Group       string  `xml:"group"`
	Type        string  `xml:"type"`
	Unit        string  `xml:"unit"`
	Values      string  `xml:"values"`
}

// parseHadoopXML reads the properties of a Hadoop configuration file:
// a <configuration> element holding <property> elements. <final> and other
// elements are ignored. source names the file in errors, which carry the
// line where possible and wrap ErrSyntax.
func parseHadoopXML(source string, data []byte) ([]property, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var props []property
	rootSeen, inRoot := false, false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, xmlError(source, d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			if !inRoot {
				if rootSeen {
					return nil, newError(ErrSyntax, "conf: %s line %d: second top-level element <%s>; a file holds one <configuration>", source, line, t.Name.Local)
				}
				if t.Name.Local != "configuration" {
					return nil, newError(ErrSyntax, "conf: %s line %d: top-level element is <%s>, want <configuration>", source, line, t.Name.Local)
				}
				rootSeen, inRoot = true, true
				continue
			}
			switch t.Name.Local {
			case "property":
				p, err := decodeProperty(source, d, &t, line)
				if err != nil {
					return nil, err
				}
				props = append(props, p)
			case "include":
				return nil, newError(ErrSyntax, "conf: %s line %d: <include> (XInclude) is not supported; copy the properties into this file", source, line)
			default:
				if err := d.Skip(); err != nil {
					return nil, xmlError(source, d, err)
				}
			}
		case xml.EndElement:
			// Children are consumed whole, so this ends <configuration>.
			inRoot = false
		case xml.CharData:
			if !inRoot && strings.TrimFunc(string(t), unicode.IsSpace) != "" {
				line, _ := d.InputPos()
				return nil, newError(ErrSyntax, "conf: %s line %d: text outside <configuration>", source, line)
			}
		}
	}
	if !rootSeen {
		return nil, newError(ErrSyntax, "conf: %s: no <configuration> element", source)
	}
	return props, nil
}

// decodeProperty decodes the <property> element that start opened.
func decodeProperty(source string, d *xml.Decoder, start *xml.StartElement, line int) (property, error) {
	var xp xmlProperty
	if err := d.DecodeElement(&xp, start); err != nil {
		return property{}, xmlError(source, d, err)
	}
	p := property{
		line:        line,
		description: strings.Join(strings.Fields(xp.Description), " "),
		group:       strings.TrimSpace(xp.Group),
		typ:         strings.TrimSpace(xp.Type),
		unit:        strings.TrimSpace(xp.Unit),
		values:      strings.TrimSpace(xp.Values),
	}
	switch {
	case xp.Name != nil:
		p.name = strings.TrimSpace(*xp.Name)
	case xp.NameAttr != nil:
		p.name = strings.TrimSpace(*xp.NameAttr)
	}
	switch {
	case xp.Value != nil:
		p.value, p.hasValue = trimValue(p.name, *xp.Value), true
	case xp.ValueAttr != nil:
		p.value, p.hasValue = trimValue(p.name, *xp.ValueAttr), true
	}
	if p.name == "" {
		return property{}, newError(ErrSyntax, "conf: %s line %d: <property> has no <name>", source, line)
	}
	if err := checkKeyName(p.name); err != nil {
		return property{}, newError(ErrSyntax, "conf: %s line %d: %w", source, line, err)
	}
	if !p.hasValue {
		return property{}, newError(ErrSyntax, "conf: %s line %d: property %s has no <value>", source, line, p.name)
	}
	return p, nil
}

// xmlError describes a decoding error with the file and line.
func xmlError(source string, d *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return newError(ErrSyntax, "conf: %s line %d: malformed XML: %s", source, se.Line, se.Msg)
	}
	line, _ := d.InputPos()
	return newError(ErrSyntax, "conf: %s line %d: malformed XML: %w", source, line, err)
}

// charsetReader accepts the single-byte encodings Hadoop files are
// sometimes declared in, besides UTF-8 which encoding/xml reads itself.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		runes := make([]rune, len(b))
		for i, c := range b {
			runes[i] = rune(c)
		}
		return strings.NewReader(string(runes)), nil
	}
	return nil, errors.New("unsupported encoding " + charset + "; use UTF-8")
}

// checkKeyName rejects names that cannot be keys.
func checkKeyName(name string) error {
	if name == "" {
		return errors.New("empty key")
	}
	if strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return fmt.Errorf("key %q contains whitespace", name)
	}
	return nil
}
