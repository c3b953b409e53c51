package unpack

import "strings"

// Format is an archive format, named by a file's extension.
type Format int

// Formats YARN unpacks.
const (
	// None is a name with no archive extension.
	None Format = iota
	Zip
	Tar
	TarGz
)

// extensions maps each recognised suffix to its format; longer suffixes
// first, so that .tar.gz is not taken for a plain .gz.
var extensions = []struct {
	suffix string
	format Format
}{
	{".tar.gz", TarGz},
	{".tgz", TarGz},
	{".tar", Tar},
	{".zip", Zip},
}

// FormatOf returns the format name's extension names (case-insensitive),
// or None.
func FormatOf(name string) Format {
	f, _ := match(name)
	return f
}

// Suffix returns name's archive extension as written ("" for none).
func Suffix(name string) string {
	_, n := match(name)
	return name[len(name)-n:]
}

// match returns the format of name's extension and the extension's length.
func match(name string) (Format, int) {
	lower := strings.ToLower(name)
	for _, e := range extensions {
		if strings.HasSuffix(lower, e.suffix) {
			return e.format, len(e.suffix)
		}
	}
	return None, 0
}

// Ext returns the usual extension of f, or "" for None.
func (f Format) Ext() string {
	for _, e := range extensions {
		if e.format == f {
			return e.suffix
		}
	}
	return ""
}

// Supported lists the extensions FormatOf knows, for messages.
func Supported() string {
	out := make([]string, len(extensions))
	for i, e := range extensions {
		out[i] = e.suffix
	}
	return strings.Join(out, ", ")
}

func (f Format) String() string {
	if f == None {
		return "none"
	}
	return strings.TrimPrefix(f.Ext(), ".")
}
