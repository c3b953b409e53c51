package submit

import (
	"testing"
	"time"
)

func TestGetters(t *testing.T) {
	o := &Options{Conf: map[string]string{
		"spark.custom.wait":                            "250",
		"spark.custom.timeout":                         "2min",
		"spark.custom.bad":                             "soon",
		"spark.custom.n":                               " 12 ",
		"spark.custom.flag":                            "TRUE",
		"spark.yarn.max.executor.failures":             "9",
		"spark.executor.maxNumFailures":                "11",
		"spark.yarn.executor.failuresValidityInterval": "10m",
	}}
	durations := []struct {
		key    string
		want   time.Duration
		wantOK bool
	}{
		{"spark.custom.wait", 250 * time.Millisecond, true},
		{"spark.custom.timeout", 2 * time.Minute, true},
		{"spark.yarn.report.interval", time.Second, true},
		{"spark.executor.failuresValidityInterval", 10 * time.Minute, true},
		{"spark.yarn.am.attemptFailuresValidityInterval", 0, false},
		{"spark.unset", 0, false},
	}
	for _, d := range durations {
		got, ok, err := o.Duration(d.key)
		if err != nil || ok != d.wantOK || got != d.want {
			t.Errorf("Duration(%s) = %v, %v, %v; want %v, %v", d.key, got, ok, err, d.want, d.wantOK)
		}
	}
	ints := []struct {
		key    string
		want   int64
		wantOK bool
	}{
		{"spark.custom.n", 12, true},
		{"spark.executor.maxNumFailures", 11, true},
		{"spark.task.maxFailures", 4, true},
		{"spark.yarn.maxAppAttempts", 0, false},
	}
	for _, i := range ints {
		got, ok, err := o.Int(i.key)
		if err != nil || ok != i.wantOK || got != i.want {
			t.Errorf("Int(%s) = %v, %v, %v; want %v, %v", i.key, got, ok, err, i.want, i.wantOK)
		}
	}
	if b, ok, err := o.Bool("spark.custom.flag"); err != nil || !ok || !b {
		t.Errorf("Bool(spark.custom.flag) = %v, %v, %v", b, ok, err)
	}
	if b, ok, err := o.Bool("spark.yarn.submit.waitAppCompletion"); err != nil || !ok || !b {
		t.Errorf("Bool(spark.yarn.submit.waitAppCompletion) = %v, %v, %v; want its default true", b, ok, err)
	}
	if v, ok := o.Get("spark.yarn.stagingDir"); !ok || v != "file://${spindle.tmp.dir}/staging" {
		t.Errorf("Get(spark.yarn.stagingDir) = %q, %v", v, ok)
	}
	if v, ok := o.Get("spark.unset"); ok || v != "" {
		t.Errorf("Get(spark.unset) = %q, %v", v, ok)
	}

	_, ok, err := o.Duration("spark.custom.bad")
	if !ok {
		t.Error("Duration(spark.custom.bad) not ok")
	}
	checkError(t, err, ErrInvalidValue, "spark.custom.bad", `"soon"`, "500ms")
	_, _, err = o.Int("spark.custom.bad")
	checkError(t, err, ErrInvalidValue, "spark.custom.bad", `"soon"`, "whole number")
	_, _, err = o.Bool("spark.custom.bad")
	checkError(t, err, ErrInvalidValue, "spark.custom.bad", `"soon"`, "true or false")
}
