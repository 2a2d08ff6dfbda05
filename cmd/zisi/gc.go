package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// A build allocates far more than it keeps: every file it reads, parses
// and compresses is garbage a moment later, while what it keeps (the
// compressed files it shares between archives, the results) grows
// slowly. The runtime's default (a collection whenever the heap doubles)
// spends a tenth of a cold build collecting on a site of 200 functions
// and, at 1,000, lets the heap reach twice a live heap that has grown to
// 180 MB. zisi instead collects when the heap triples, up to a soft
// limit of gcFloor, and past that limit keeps the heap within half as
// much again as what is live: fewer collections on small and medium
// sites, a lower peak on large ones, and no collector running flat out
// on a site whose live heap passes the floor.
const (
	gcPercent = 200
	gcFloor   = 300 << 20
	// gcPoll is how often the live heap is read to raise the limit.
	gcPoll = 50 * time.Millisecond
)

// gcLimit is the soft memory limit for a live heap of live bytes.
func gcLimit(live uint64) int64 {
	return max(gcFloor, int64(live+live/2))
}

// tuneGC applies zisi's collector settings unless GOGC or GOMEMLIMIT
// (getenv) says otherwise, raising the limit with the live heap until ctx
// ends. It returns at once, with a function that waits for the limit to
// be left alone (after ctx ended).
func tuneGC(ctx context.Context, getenv func(string) string) (wait func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {} // the user's settings stand
	}
	done := make(chan struct{})
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(gcLimit(0))
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	go func() {
		defer close(done)
		t := time.NewTicker(gcPoll)
		defer t.Stop()
		limit := gcLimit(0)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if l := gcLimit(sample[0].Value.Uint64()); l != limit {
				limit = l
				debug.SetMemoryLimit(limit)
			}
		}
	}()
	return func() { <-done }
}
