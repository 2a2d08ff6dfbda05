package main

import (
	"context"
	"math"
	"runtime/debug"
	"testing"
)

// TestGCLimit: the soft limit stays at the floor until the live heap
// passes two thirds of it, then keeps half the live heap again as room.
func TestGCLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, gcFloor},
		{100 << 20, gcFloor},
		{200 << 20, gcFloor},
		{300 << 20, 450 << 20},
		{1 << 30, 3 << 29},
	} {
		if got := gcLimit(c.live); got != c.want {
			t.Errorf("gcLimit(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// TestTuneGCRespectsTheUsersSettings: with GOGC or GOMEMLIMIT set, the
// collector is left as the runtime set it; without, zisi's settings
// apply.
func TestTuneGCRespectsTheUsersSettings(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		tuneGC(t.Context(), func(k string) string {
			if k == env {
				return "100"
			}
			return ""
		})()
		if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); p != 100 || l != math.MaxInt64 {
			t.Errorf("with %s set: GOGC %d, limit %d; want the runtime's 100 and no limit", env, p, l)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	wait := tuneGC(ctx, func(string) string { return "" })
	cancel()
	wait() // nothing changes the limit after this
	if p, l := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); p != gcPercent || l != gcFloor {
		t.Errorf("without either: GOGC %d, limit %d; want %d and %d", p, l, gcPercent, gcFloor)
	}
}
