package chaos

import (
	"slices"
	"testing"
	"time"
)

func TestScheduleIsDeterministic(t *testing.T) {
	draw := func(seed uint64) (kinds []Kind, gaps []time.Duration) {
		s := NewSchedule(seed, 15*time.Second, KillKinds...)
		for range 50 {
			k, g := s.Next()
			kinds, gaps = append(kinds, k), append(gaps, g)
		}
		return kinds, gaps
	}
	k1, g1 := draw(7)
	k2, g2 := draw(7)
	if !slices.Equal(k1, k2) || !slices.Equal(g1, g2) {
		t.Fatal("the same seed gave different schedules")
	}
	k3, g3 := draw(8)
	if slices.Equal(k1, k3) && slices.Equal(g1, g3) {
		t.Fatal("seeds 7 and 8 gave the same schedule")
	}
}

func TestScheduleCoversEveryKindFirst(t *testing.T) {
	orders := map[string]bool{}
	for seed := range uint64(200) {
		s := NewSchedule(seed, time.Second, KillKinds...)
		var first []Kind
		for range len(KillKinds) {
			k, _ := s.Next()
			first = append(first, k)
		}
		sorted := slices.Clone(first)
		slices.Sort(sorted)
		if !slices.Equal(sorted, KillKinds) {
			t.Fatalf("seed %d: first kills %v do not cover every kind once", seed, first)
		}
		orders[kindsString(first)] = true
	}
	// 24 orders exist; 200 seeds must not all give the same few.
	if len(orders) < 12 {
		t.Fatalf("only %d different orders over 200 seeds", len(orders))
	}
}

func kindsString(ks []Kind) string {
	var s string
	for _, k := range ks {
		s += k.String() + " "
	}
	return s
}

func TestScheduleGaps(t *testing.T) {
	const interval = 20 * time.Second
	s := NewSchedule(3, interval, KillKinds...)
	var sum time.Duration
	seen := map[Kind]int{}
	const n = 4000
	for range n {
		k, g := s.Next()
		if g < interval/2 || g >= 3*interval/2 {
			t.Fatalf("gap %v outside [%v, %v)", g, interval/2, 3*interval/2)
		}
		sum += g
		seen[k]++
	}
	if mean := sum / n; mean < interval*95/100 || mean > interval*105/100 {
		t.Fatalf("mean gap %v, want about %v", mean, interval)
	}
	for _, k := range KillKinds {
		if seen[k] < n/4*8/10 {
			t.Fatalf("kind %v drawn %d times of %d: not uniform", k, seen[k], n)
		}
	}
	if k, _ := NewSchedule(1, time.Second).Next(); !slices.Contains(Kinds, k) {
		t.Fatalf("a schedule of no kinds drew %v, want one of every kind", k)
	}
	if _, g := NewSchedule(1, 0).Next(); g != 0 {
		t.Fatalf("gap %v for a zero interval, want 0", g)
	}
}
