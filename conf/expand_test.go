package conf

import (
	"errors"
	"fmt"
	"os/user"
	"strings"
	"testing"
)

func TestExpansion(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"DATA": "/data", "EMPTY": ""})
	tests := []struct {
		value, want string
	}{
		{"plain", "plain"},
		{"${yarn.x}", "x-value"},
		{"a${yarn.x}b${yarn.x}c", "ax-valuebx-valuec"},
		{"${yarn.nested}", "nested(x-value)"},
		{"${user.name}", u.Username},
		{"${env.DATA}/spindle", "/data/spindle"},
		{"${env.MISSING}", "${env.MISSING}"},
		{"${env.MISSING:-/fallback}", "/fallback"},
		{"${env.EMPTY:-/fallback}", "/fallback"},
		{"${env.DATA:-/fallback}", "/data"},
		{"${env.MISSING-/fallback}", "/fallback"},
		{"${env.EMPTY-/fallback}", ""},
		{"${yarn.unset}", "${yarn.unset}"},
		{"${}", "${}"},
		{"${a b}", "${a b}"},
		{"$${yarn.x}", "$x-value"},
		{"${${yarn.x}}", "${x-value}"},
		{"${yarn.x", "${yarn.x"},
		{"${spindle.tmp.dir}", "/tmp/spindle-" + u.Username},
	}
	for _, tt := range tests {
		c := mustLoad(t, LoadOptions{
			LookupEnv: env,
			Overrides: []string{"yarn.x=x-value", "yarn.nested=nested(${yarn.x})", "yarn.v=" + tt.value},
		})
		if got := c.Get("yarn.v"); got != tt.want {
			t.Errorf("Get of %q = %q; want %q", tt.value, got, tt.want)
		}
	}
}

func TestExpansionUserFromEnvironmentIsNotPreferred(t *testing.T) {
	// The operating system's user name wins over $USER, as Java's
	// user.name does.
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, LoadOptions{LookupEnv: envOf(map[string]string{"USER": "someone-else"})})
	if got, want := c.Get("spindle.tmp.dir"), "/tmp/spindle-"+u.Username; got != want {
		t.Errorf("spindle.tmp.dir = %q; want %q", got, want)
	}
}

func TestExpansionCycle(t *testing.T) {
	tests := []struct {
		name      string
		overrides []string
		want      []string
	}{
		{
			name:      "self",
			overrides: []string{"yarn.a=x${yarn.a}"},
			want:      []string{"cannot expand yarn.a (from --conf): ${...} references form a cycle: yarn.a → yarn.a"},
		},
		{
			name:      "two keys",
			overrides: []string{"yarn.a=${yarn.b}", "yarn.b=${yarn.a}"},
			want:      []string{"cycle: yarn.a → yarn.b → yarn.a", "cycle: yarn.b → yarn.a → yarn.b"},
		},
		{
			name:      "through defaults",
			overrides: []string{"spindle.tmp.dir=${spindle.log.dir}"},
			want: []string{
				"cannot expand spindle.tmp.dir (from --conf) using spindle.log.dir (from default)",
				"cycle: spindle.tmp.dir → spindle.log.dir → spindle.tmp.dir",
				"cannot expand spindle.log.dir (from default) using spindle.tmp.dir (from --conf)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(LoadOptions{Overrides: tt.overrides, LookupEnv: noEnv})
			if !errors.Is(err, ErrExpansion) {
				t.Fatalf("Load error = %v; want ErrExpansion", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// chain returns overrides yarn.k0=${yarn.k1}, ..., yarn.k<n>=end.
func chain(n int) []string {
	var o []string
	for i := range n {
		o = append(o, fmt.Sprintf("yarn.k%d=${yarn.k%d}", i, i+1))
	}
	return append(o, fmt.Sprintf("yarn.k%d=end", n))
}

func TestExpansionDepth(t *testing.T) {
	c := mustLoad(t, LoadOptions{Overrides: chain(maxExpansionDepth)})
	if got := c.Get("yarn.k0"); got != "end" {
		t.Errorf("Get(yarn.k0) through %d references = %q; want end", maxExpansionDepth, got)
	}
	_, err := Load(LoadOptions{Overrides: chain(maxExpansionDepth + 1), LookupEnv: noEnv})
	if !errors.Is(err, ErrExpansion) || !strings.Contains(err.Error(), "nest more than 20 deep") {
		t.Fatalf("Load error = %v; want references nesting too deep", err)
	}
	// Only the key at the top of the chain is too deep.
	if n := strings.Count(err.Error(), "cannot expand"); n != 1 {
		t.Errorf("%d keys reported; want 1: %v", n, err)
	}
}

func TestExpansionDepthWithSharedReferences(t *testing.T) {
	// yarn.top uses yarn.k1 directly and, through yarn.k0, one level
	// deeper; the deeper use must be counted even though yarn.k1 was
	// already expanded.
	o := append(chain(maxExpansionDepth), "yarn.top=${yarn.k1}${yarn.k0}")
	_, err := Load(LoadOptions{Overrides: o, LookupEnv: noEnv})
	if !errors.Is(err, ErrExpansion) || !strings.Contains(err.Error(), "cannot expand yarn.top") {
		t.Fatalf("Load error = %v; want yarn.top nesting too deep", err)
	}
}

func TestExpansionGrowthIsBounded(t *testing.T) {
	o := []string{"yarn.d20=" + strings.Repeat("x", 4096)}
	for i := range 20 {
		o = append(o, fmt.Sprintf("yarn.d%d=${yarn.d%d}${yarn.d%d}", i, i+1, i+1))
	}
	_, err := Load(LoadOptions{Overrides: o, LookupEnv: noEnv})
	if !errors.Is(err, ErrExpansion) || !strings.Contains(err.Error(), "grows past") {
		t.Fatalf("Load error = %v; want the expanded value to be too long", err)
	}
}

func TestExpansionUnresolvedWarns(t *testing.T) {
	c := mustLoad(t, LoadOptions{Overrides: []string{
		"yarn.nodemanager.local-dirs=${hadoop.tmp.dir}/nm-local-dir,${env.SCRATCH}/nm",
	}})
	want := "yarn.nodemanager.local-dirs (from --conf) uses ${hadoop.tmp.dir}, ${env.SCRATCH}, which are not set and left as written"
	found := false
	for _, w := range c.Warnings() {
		found = found || w == want
	}
	if !found {
		t.Errorf("Warnings() = %q; want it to hold %q", c.Warnings(), want)
	}
}
