package submit

import (
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	u := Usage()
	for _, f := range flags {
		head := f.name
		if f.short != "" {
			head += ", " + f.short
		}
		if f.arg != "" {
			head += " " + f.arg
		}
		if !strings.Contains(u, "\n  "+head) {
			t.Errorf("Usage lacks %q", head)
		}
		if f.key != "" && !strings.Contains(u, "("+f.key+")") {
			t.Errorf("Usage does not say that %s sets %s", f.name, f.key)
		}
	}
	for i, line := range strings.Split(u, "\n") {
		if len(line) > usageWidth {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
	}
	honoured, ignored, _ := strings.Cut(u, "ignored:\n")
	if !strings.Contains(ignored, "--class CLASS_NAME") || strings.Contains(honoured, "--class") {
		t.Error("--class is not listed with the ignored flags only")
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{ActionSubmit: "SUBMIT", ActionKill: "KILL", ActionStatus: "REQUEST_STATUS",
		ActionHelp: "HELP", ActionVersion: "PRINT_VERSION", Action(9): "Action(9)"} {
		if got := a.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(a), got, want)
		}
	}
}
