package submit

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/spindlehq/spindle/conf"
)

var update = flag.Bool("update", false, "rewrite docs/submitting.md")

// docPath is docs/submitting.md, relative to this package.
var docPath = filepath.Join("..", "docs", "submitting.md")

//go:embed submitting_intro.md
var docIntro string

//go:embed submitting_example.md
var docExample string

func TestSubmittingDocUpToDate(t *testing.T) {
	want, err := generateDoc()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; run `go test ./submit -run TestSubmittingDocUpToDate -update`", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date; run `go test ./submit -run TestSubmittingDocUpToDate -update`", docPath)
	}
}

// submitGroups are the groups of application keys submitting.md lists;
// configuration.md lists them all.
var submitGroups = []string{conf.GroupSubmission, conf.GroupResources}

// generateDoc renders docs/submitting.md: the introduction, the tables of
// flags and of the keys of the submission, what submit refuses and warns
// of, the ignored flags and keys, and the example, parsed for real.
func generateDoc() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(docIntro)

	b.WriteString("\n## Flags\n\n| Flag | Sets | Default | Meaning |\n| --- | --- | --- | --- |\n")
	for _, f := range flags {
		if f.ignored != "" {
			continue
		}
		key, def := "", ""
		if k, ok := conf.LookupAppKey(f.key); ok && f.key != "" {
			key, def = code(k.Name), conf.DocDefault(k)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(flagHead(f)), key, cell(def), cell(f.help))
	}

	flagOf := map[string]string{}
	for _, f := range flags {
		if f.key != "" && f.ignored == "" {
			flagOf[f.key] = f.name
		}
	}
	b.WriteString("\n## Keys of the submission\n\nThese and every other application key, with the streaming driver's, the Kafka source's, the sink's and the logs', are in [configuration.md](configuration.md#application-keys).\n")
	for _, g := range submitGroups {
		fmt.Fprintf(&b, "\n### %s\n\n| Key | Flag | Default | Type | Meaning |\n| --- | --- | --- | --- | --- |\n", g)
		for _, k := range conf.AppKeys() {
			if k.Group != g {
				continue
			}
			flagCell := ""
			if f := flagOf[k.Name]; f != "" {
				flagCell = code(f)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", code(k.Name), flagCell, cell(conf.DocDefault(k)), cell(conf.DocType(k)), cell(k.Description))
		}
	}

	checked, err := renderChecks()
	if err != nil {
		return nil, err
	}
	b.Write(checked)

	b.WriteString("\n## Accepted and ignored\n\nEach of these prints one warning and has no other effect. Their keys are not passed to the job.\n\n")
	b.WriteString("| Flag | Why | In spark-submit |\n| --- | --- | --- |\n")
	for _, f := range flags {
		if f.ignored != "" {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(flagHead(f)), capitalize(f.ignored), cell(f.help))
		}
	}
	b.WriteString("\n| Key | Why |\n| --- | --- |\n")
	for _, k := range conf.AppKeys() {
		if k.Ignored != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", cell(conf.DocName(k)), capitalize(k.Ignored))
		}
	}

	example, err := renderExample()
	if err != nil {
		return nil, err
	}
	b.Write(example)
	return b.Bytes(), nil
}

// renderExample fills submitting_example.md from the streaming job of
// streaming_test.go, parsing it to show the real warnings and values.
func renderExample() ([]byte, error) {
	args := flatten(spindleJob())[2:]
	o, warnings, err := Parse(args, ParseOptions{ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
	if err != nil {
		return nil, fmt.Errorf("the example does not parse: %w", err)
	}
	a := o.Settings
	dur := func(k string) string { return shortDuration(a.Duration(k)) }
	intv := func(k string) string { return fmt.Sprint(a.Int(k)) }
	boolv := func(k string) string { return fmt.Sprint(a.Bool(k)) }
	values := [][2]string{
		{"Master", fmt.Sprintf("`%s` (the RM named by `yarn.resourcemanager.address`)", o.Master)},
		{"Deploy mode", code(o.DeployMode)},
		{"Name, queue", fmt.Sprintf("`%s` in `%s`", o.Name, o.Queue)},
		{"Executors", fmt.Sprintf("%d × %d cores, %d MiB + %d MiB overhead", o.NumExecutors, o.ExecutorCores, o.ExecutorMemoryMB, o.ExecutorMemoryOverheadMB)},
		{"Driver", fmt.Sprintf("%d core, %d MiB + the default overhead, max(384 MiB, 10%%)", o.DriverCores, o.DriverMemoryMB)},
		{"Files staged", code(strings.Join(o.Files, "`, `"))},
		{"Job binary and arguments", code(strings.Join(append([]string{o.Application}, o.AppArgs...), " "))},
		{"Application attempts", fmt.Sprintf("%s, failures older than %s not counted", intv("spark.yarn.maxAppAttempts"), dur("spark.yarn.am.attemptFailuresValidityInterval"))},
		{"Executor failures", fmt.Sprintf("%s, failures older than %s not counted", intv("spark.executor.maxNumFailures"), dur("spark.executor.failuresValidityInterval"))},
		{"Task failures", intv("spark.task.maxFailures")},
		{"Wait for completion", boolv("spark.yarn.submit.waitAppCompletion")},
	}
	data := struct {
		SparkSubmit, Spindle, Warnings string
		Values                         [][2]string
	}{
		SparkSubmit: shellLines(streamingJob),
		Spindle:     shellLines(spindleJob()),
		Warnings:    strings.Join(warnings, "\n"),
		Values:      values,
	}
	tmpl, err := template.New("example").Parse(docExample)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// shortDuration renders whole hours, minutes or seconds briefly.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dmin", d/time.Minute)
	}
	return d.String()
}

// shellLines renders command-line lines as a shell command continued with
// backslashes.
func shellLines(lines [][]string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		words := make([]string, len(l))
		for j, w := range l {
			words[j] = shellQuote(w)
		}
		out[i] = strings.Join(words, " ")
		if i > 0 {
			out[i] = "  " + out[i]
		}
	}
	return strings.Join(out, " \\\n")
}

// shellSafe matches words that need no quoting in a shell.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,+@%-]+$`)

// shellQuote quotes w for a POSIX shell when it needs it.
func shellQuote(w string) string {
	if shellSafe.MatchString(w) {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// flagHead renders a flag with its alias and value placeholder.
func flagHead(f flagSpec) string {
	s := code(f.name)
	if f.short != "" {
		s += ", " + code(f.short)
	}
	if f.arg != "" {
		s += " " + f.arg
	}
	return s
}

// code renders s as inline code.
func code(s string) string {
	return "`" + s + "`"
}

// cell escapes s for a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"--conf":             "--conf",
		"spark.a=1":          "spark.a=1",
		"a b":                "'a b'",
		"it's":               `'it'\''s'`,
		"hdfs:///checkpoint": "hdfs:///checkpoint",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
