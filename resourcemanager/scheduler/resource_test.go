package scheduler

import "testing"

func TestResourceString(t *testing.T) {
	tests := []struct {
		r    Resource
		want string
	}{
		{res(4096, 2), "<memory:4096, vCores:2>"},
		{Resource{}, "<memory:0, vCores:0>"},
		{res(-1, -3), "<memory:-1, vCores:-3>"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestResourceArithmetic(t *testing.T) {
	a, b := res(4096, 2), res(1024, 3)
	if got, want := a.Add(b), res(5120, 5); got != want {
		t.Errorf("Add = %s, want %s", got, want)
	}
	if got, want := a.Sub(b), res(3072, -1); got != want {
		t.Errorf("Sub = %s, want %s", got, want)
	}
}

func TestResourceComparisons(t *testing.T) {
	tests := []struct {
		name     string
		r, o     Resource
		lessOrEq bool
	}{
		{"equal", res(1024, 1), res(1024, 1), true},
		{"smaller in both", res(512, 1), res(1024, 2), true},
		{"more memory", res(2048, 1), res(1024, 2), false},
		{"more vcores", res(512, 3), res(1024, 2), false},
		{"zero", Resource{}, res(1, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.LessOrEqual(tt.o); got != tt.lessOrEq {
				t.Errorf("%s.LessOrEqual(%s) = %v, want %v", tt.r, tt.o, got, tt.lessOrEq)
			}
			if got := tt.o.Fits(tt.r); got != tt.lessOrEq {
				t.Errorf("%s.Fits(%s) = %v, want %v", tt.o, tt.r, got, tt.lessOrEq)
			}
		})
	}
}

func TestResourcePredicates(t *testing.T) {
	tests := []struct {
		r                Resource
		zero, isPositive bool
	}{
		{Resource{}, true, false},
		{res(1, 0), false, false},
		{res(0, 1), false, false},
		{res(1, 1), false, true},
		{res(-1, 1), false, false},
	}
	for _, tt := range tests {
		if got := tt.r.IsZero(); got != tt.zero {
			t.Errorf("%s.IsZero() = %v, want %v", tt.r, got, tt.zero)
		}
		if got := tt.r.IsPositive(); got != tt.isPositive {
			t.Errorf("%s.IsPositive() = %v, want %v", tt.r, got, tt.isPositive)
		}
	}
}
