package workslot

import (
	"context"
	"sync"
	"sync/atomic"
)

type key struct{}

// With returns a context whose waits (Wait) call release before they
// block and, once done, the function release returned. release returns
// nil when the slot is not to be handed over (the pool bounds how many
// workers wait at once); the wait then blocks holding it.
func With(ctx context.Context, release func() (reacquire func())) context.Context {
	return context.WithValue(ctx, key{}, release)
}

// Wait returns nil when done is closed, or ctx's error when it ends
// first. A wait that would block hands the worker's slot over meanwhile
// (With), and takes a slot back before returning; a closed done returns
// at once, holding the slot throughout.
func Wait(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	default:
	}
	if release, ok := ctx.Value(key{}).(func() func()); ok {
		if reacquire := release(); reacquire != nil {
			defer reacquire()
		}
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pool bounds a build's workers: Acquire takes a slot, Release gives it
// back. A worker's Yielder, put in its context with With, lets up to
// waitersPerSlot times the pool's size of workers at once hand their
// slots over while they wait, so at most that many plus the pool's size
// are ever under way.
type Pool struct {
	slots   chan struct{}
	waiting chan struct{}
	// back hands a slot given back straight to a worker taking its slot
	// back (Yielder), ahead of the functions waiting to start: those
	// queue on slots from the build's start.
	back chan struct{}
}

// waitersPerSlot is how many workers per slot may wait with their slots
// handed over. Functions that share a large file tend to start one
// after another (their names sort together: image-1, image-2, ...), and
// while the first compresses the file, each of the others waits for it
// and hands its slot on, often to the next one, which waits too. With
// one waiter per slot, the third such function kept its slot, and a
// core stayed idle for as long as the file took (0.4 s for an 18 MB
// library, on sites of 40 and 200 functions). A waiter holds little (its
// trace, at most one archive's write buffer), so eight per slot cost a
// few megabytes, against whole functions run meanwhile.
const waitersPerSlot = 8

// NewPool returns a pool of n slots (n >= 1).
func NewPool(n int) *Pool {
	n = max(n, 1)
	return &Pool{slots: make(chan struct{}, n), waiting: make(chan struct{}, waitersPerSlot*n), back: make(chan struct{})}
}

// Acquire takes a slot, or returns ctx's error when it ends first.
func (p *Pool) Acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release gives back a slot Acquire took: to a worker waiting to take
// its handed-over slot back, when one does, else to the pool.
func (p *Pool) Release() {
	select {
	case p.back <- struct{}{}: // the slot changes hands, still taken
	default:
		<-p.slots
	}
}

// Yielder returns the release function With takes for one worker holding
// one of p's slots. Up to waitersPerSlot times the pool's size of workers
// at once hand their slots over; beyond that a waiter keeps its slot. A
// worker's slot is handed over once at a time, so goroutines it starts
// with its context cannot give it back twice. The slot handed over is taken back whatever
// happens to the build's context: the worker always gives it back once
// more, with Release, when it ends.
func (p *Pool) Yielder() func() (reacquire func()) {
	var out atomic.Bool // the worker's slot is handed over
	return func() func() {
		if !out.CompareAndSwap(false, true) {
			return nil
		}
		select {
		case p.waiting <- struct{}{}:
		default:
			out.Store(false)
			return nil // enough workers wait already: keep the slot
		}
		p.Release()
		return func() {
			select {
			case p.slots <- struct{}{}:
			case <-p.back:
			}
			<-p.waiting
			out.Store(false)
		}
	}
}

// Each calls do(i) for every i from 0 to n-1, each on a goroutine of its
// own, at most width (at least one) at a time, and returns once every
// call has.
func Each(n, width int, do func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(width, 1))
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			do(i)
		}()
	}
	wg.Wait()
}
