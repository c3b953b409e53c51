package hdfscheckpoint

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestMarkerPath(t *testing.T) {
	cases := []struct {
		dir, configured, want string
	}{
		{"/checkpoints/app", "", "/checkpoints/app/_shutdown"},
		{"/checkpoints/app/", "", "/checkpoints/app/_shutdown"},
		{"/checkpoints/app", "stop-now", "/checkpoints/app/stop-now"},
		{"/checkpoints/app", "/ops/markers/app/", "/ops/markers/app"},
	}
	for _, tc := range cases {
		if got := MarkerPath(tc.dir, tc.configured); got != tc.want {
			t.Errorf("MarkerPath(%q, %q) = %q, want %q", tc.dir, tc.configured, got, tc.want)
		}
	}
}

func TestMarkerLifeCycle(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	marker := MarkerPath(testCheckpointDir, "")
	done := marker + CompletedSuffix

	present := func() bool {
		t.Helper()
		ok, err := MarkerPresent(ctx, s, marker)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	if present() {
		t.Fatal("marker present before it was placed")
	}
	if err := CompleteMarker(ctx, s, marker); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CompleteMarker without a marker = %v, want ErrNotFound", err)
	}

	if err := PlaceMarker(ctx, s, marker); err != nil {
		t.Fatal(err)
	}
	if !present() {
		t.Fatal("marker absent after PlaceMarker")
	}
	// Placing it twice is harmless.
	if err := PlaceMarker(ctx, s, marker); err != nil {
		t.Fatal(err)
	}

	if err := CompleteMarker(ctx, s, marker); err != nil {
		t.Fatal(err)
	}
	if present() {
		t.Fatal("marker still present after CompleteMarker")
	}
	if ok, _ := s.Exists(ctx, done); !ok {
		t.Fatalf("%s missing after CompleteMarker", done)
	}

	// The next stop replaces the old .COMPLETED.
	mustWriteFile(t, s, done, "from an earlier stop")
	if err := PlaceMarker(ctx, s, marker); err != nil {
		t.Fatal(err)
	}
	if err := CompleteMarker(ctx, s, marker); err != nil {
		t.Fatalf("CompleteMarker over an old .COMPLETED = %v", err)
	}
	if got := mustReadFile(t, s, done); got != "" {
		t.Fatalf(".COMPLETED holds %q, want the new (empty) marker", got)
	}

	// Without a marker, an old .COMPLETED is left alone.
	mustWriteFile(t, s, done, "keep")
	if err := CompleteMarker(ctx, s, marker); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CompleteMarker without a marker = %v", err)
	}
	if got := mustReadFile(t, s, done); got != "keep" {
		t.Fatalf(".COMPLETED changed to %q", got)
	}
}

func TestMarkerPresentReportsStoreErrors(t *testing.T) {
	s := newFileStore(t)
	if _, err := MarkerPresent(context.Background(), s, "/../x"); !errors.Is(err, ErrPathEscapes) {
		t.Fatalf("MarkerPresent(/../x) = %v, want ErrPathEscapes", err)
	}
}

func TestMoveCheckpointAside(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	l, err := NewLog(s, testCheckpointDir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	runBatch(t, l, 1, true)

	// 13:04:05 in UTC+2 is 11:04:05 UTC.
	now := time.Date(2024, 7, 9, 13, 4, 5, 0, time.FixedZone("CEST", 2*3600))
	aside, err := MoveCheckpointAside(ctx, s, testCheckpointDir+"/", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := testCheckpointDir + ".20240709110405"; aside != want {
		t.Fatalf("moved to %q, want %q", aside, want)
	}
	if ok, _ := s.Exists(ctx, testCheckpointDir); ok {
		t.Fatal("checkpoint directory still there after the move")
	}
	moved, err := NewLog(s, aside, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, mustRecover(t, moved), 1, 0, "")

	// A fresh checkpoint moved within the same second collides.
	runBatch(t, l, 2, true)
	if _, err := MoveCheckpointAside(ctx, s, testCheckpointDir, now); !errors.Is(err, ErrExists) {
		t.Fatalf("second move in the same second = %v, want ErrExists", err)
	}
	if ok, _ := s.Exists(ctx, testCheckpointDir); !ok {
		t.Fatal("failed move lost the checkpoint")
	}

	if _, err := MoveCheckpointAside(ctx, s, "/no/such/dir", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("moving a missing directory = %v, want ErrNotFound", err)
	}
	if _, err := MoveCheckpointAside(ctx, s, "/", now); !errors.Is(err, ErrInvalidPath) {
		t.Fatalf("moving / = %v, want ErrInvalidPath", err)
	}
}
