package conf

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAccessors(t *testing.T) {
	c := mustLoad(t, LoadOptions{Overrides: []string{
		"yarn.nodemanager.resource.memory-mb=6g",
		"yarn.nodemanager.resource.cpu-vcores=12",
		"yarn.nodemanager.pmem-check-enabled=FALSE",
		"yarn.nodemanager.delete.debug-delay-sec=600",
		"yarn.nodemanager.local-dirs= /d1/nm, ,/d2/nm ,",
		"spark.executor.memoryOverhead=384",
		"spark.network.timeout=120",
		"spark.bad.size=lots",
		"spark.bad.duration=soon",
		"spark.bad.bool=maybe",
		"spark.bad.int=1.5",
		"spark.small=512k",
	}})
	if got, err := c.SizeBytes("yarn.nodemanager.resource.memory-mb"); err != nil || got != 6<<30 {
		t.Errorf("SizeBytes(memory-mb) = %d, %v", got, err)
	}
	if got, err := c.SizeMB("yarn.nodemanager.resource.memory-mb"); err != nil || got != 6<<10 {
		t.Errorf("SizeMB(memory-mb) = %d, %v", got, err)
	}
	if got, err := c.Int("yarn.nodemanager.resource.cpu-vcores"); err != nil || got != 12 {
		t.Errorf("Int(cpu-vcores) = %d, %v", got, err)
	}
	if got, err := c.Bool("yarn.nodemanager.pmem-check-enabled"); err != nil || got {
		t.Errorf("Bool(pmem-check-enabled) = %v, %v; want false", got, err)
	}
	if got, err := c.Duration("yarn.nodemanager.delete.debug-delay-sec"); err != nil || got != 10*time.Minute {
		t.Errorf("Duration(debug-delay-sec) = %v, %v; want 10m (a bare number is seconds)", got, err)
	}
	if got := c.Strings("yarn.nodemanager.local-dirs"); !slices.Equal(got, []string{"/d1/nm", "/d2/nm"}) {
		t.Errorf("Strings(local-dirs) = %q", got)
	}
	// Keys Spindle does not know: a bare size is bytes, a bare duration
	// milliseconds.
	if got, err := c.SizeBytes("spark.executor.memoryOverhead"); err != nil || got != 384 {
		t.Errorf("SizeBytes(unknown) = %d, %v; want 384", got, err)
	}
	if got, err := c.Duration("spark.network.timeout"); err != nil || got != 120*time.Millisecond {
		t.Errorf("Duration(unknown) = %v, %v; want 120ms", got, err)
	}
	if got, err := c.SizeMB("spark.small"); err != nil || got != 0 {
		t.Errorf("SizeMB(512k) = %d, %v; want 0 (rounded down)", got, err)
	}
	if got := c.Strings("spark.unset"); got != nil {
		t.Errorf("Strings(unset) = %q; want nil", got)
	}

	errTests := []struct {
		name string
		call func() error
		kind error
		want string
	}{
		{"size", func() error { _, err := c.SizeBytes("spark.bad.size"); return err }, ErrInvalidSize,
			`conf: spark.bad.size (from --conf): "lots" is not a size`},
		{"size MB", func() error { _, err := c.SizeMB("spark.bad.size"); return err }, ErrInvalidValue, "spark.bad.size"},
		{"duration", func() error { _, err := c.Duration("spark.bad.duration"); return err }, ErrInvalidDuration,
			`conf: spark.bad.duration (from --conf): "soon" is not a duration`},
		{"bool", func() error { _, err := c.Bool("spark.bad.bool"); return err }, ErrInvalidValue,
			`conf: spark.bad.bool (from --conf): "maybe" is not a boolean`},
		{"int", func() error { _, err := c.Int("spark.bad.int"); return err }, ErrInvalidValue,
			`conf: spark.bad.int (from --conf): "1.5" is not a whole number`},
		{"int of a size", func() error { _, err := c.Int("yarn.nodemanager.resource.memory-mb"); return err }, ErrInvalidValue,
			"yarn.nodemanager.resource.memory-mb"},
		{"unset", func() error { _, err := c.Int("spark.unset"); return err }, ErrNotSet, "conf: spark.unset is not set"},
		{"unset duration", func() error { _, err := c.Duration("spark.unset"); return err }, ErrNotSet, "spark.unset"},
	}
	for _, tt := range errTests {
		err := tt.call()
		if !errors.Is(err, tt.kind) {
			t.Errorf("%s: error = %v; want %v", tt.name, err, tt.kind)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.want)
		}
	}
}

func TestSourceAndKeys(t *testing.T) {
	c := mustLoad(t, LoadOptions{Overrides: []string{"yarn.zzz=1", "hadoop.aaa=2"}})
	keys := c.Keys()
	if !slices.IsSorted(keys) {
		t.Errorf("Keys() not sorted: %q", keys)
	}
	for _, k := range []string{"hadoop.aaa", "yarn.zzz", "spindle.tmp.dir", "spindle.memberlist.seeds"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() lacks %s", k)
		}
	}
	if slices.Contains(keys, "yarn.scheduler.capacity.root.*") {
		t.Error("Keys() lists a family")
	}
	if got := c.Source("spark.unset"); got != "" {
		t.Errorf("Source(unset) = %q; want empty", got)
	}
	if got := c.Get("spark.unset"); got != "" {
		t.Errorf("Get(unset) = %q; want empty", got)
	}
}

func TestSet(t *testing.T) {
	c := mustLoad(t, LoadOptions{})
	if err := c.Set("yarn.nodemanager.resource.memory-mb", "2g"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.SizeMB("yarn.nodemanager.resource.memory-mb"); err != nil || got != 2048 {
		t.Errorf("after Set, SizeMB = %d, %v", got, err)
	}
	if got := c.Source("yarn.nodemanager.resource.memory-mb"); got != SourceSet {
		t.Errorf("Source after Set = %q; want %q", got, SourceSet)
	}
	if err := c.Set("yarn.resourcemanager.hostname", "rm.example.com"); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("yarn.resourcemanager.address"); got != "rm.example.com:8032" {
		t.Errorf("address after Set of hostname = %q", got)
	}
	if err := c.Set("yarn.some.unused.key", "1"); err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "yarn.some.unused.key (from Set) is not used by Spindle") {
		t.Errorf("Warnings() = %q", w)
	}

	errTests := []struct {
		name, key, value string
		kind             error
		want             string
	}{
		{"bad value", "yarn.nodemanager.resource.memory-mb", "lots", ErrInvalidValue,
			`conf: yarn.nodemanager.resource.memory-mb (from Set): "lots" is not a size`},
		{"unknown spindle key", "spindle.log.levl", "debug", ErrUnknownKey, "did you mean spindle.log.level?"},
		{"breaks a key using it", "yarn.resourcemanager.hostname", "bad host", ErrInvalidValue,
			"yarn.resourcemanager.address (from default) = \"${yarn.resourcemanager.hostname}:8032\" using yarn.resourcemanager.hostname (from Set)"},
		{"cycle", "spindle.tmp.dir", "${spindle.log.dir}", ErrExpansion, "cycle"},
		{"new key cycle", "yarn.self", "${yarn.self}", ErrExpansion, "cycle: yarn.self → yarn.self"},
		{"bad name", "a b", "1", ErrSyntax, "contains whitespace"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			before, beforeSource := c.Get(tt.key), c.Source(tt.key)
			beforeWarnings := c.Warnings()
			err := c.Set(tt.key, tt.value)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Set error = %v; want %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if c.Get(tt.key) != before || c.Source(tt.key) != beforeSource {
				t.Errorf("failed Set changed %s to %q from %q", tt.key, c.Get(tt.key), c.Source(tt.key))
			}
			if !slices.Equal(c.Warnings(), beforeWarnings) {
				t.Errorf("failed Set changed the warnings to %q", c.Warnings())
			}
		})
	}
	if got := c.Get("yarn.resourcemanager.address"); got != "rm.example.com:8032" {
		t.Errorf("address after failed Sets = %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustLoad(t, LoadOptions{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if err := c.Set(fmt.Sprintf("yarn.test.k%d", g), fmt.Sprint(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := c.Duration("yarn.nm.liveness-monitor.expiry-interval-ms"); err != nil {
					t.Error(err)
					return
				}
				_ = c.Keys()
				_ = c.Warnings()
			}
		}()
	}
	wg.Wait()
	for g := range 4 {
		if got := c.Get(fmt.Sprintf("yarn.test.k%d", g)); got != "49" {
			t.Errorf("yarn.test.k%d = %q; want 49", g, got)
		}
	}
}
