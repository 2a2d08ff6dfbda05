// Package workslot lets a build's worker hand its slot to other work while
// it waits for something another goroutine is computing for it: a file
// another archive's writer is compressing, say. A build bounds its
// workers to the machine's cores; a worker blocked on a shared result
// holds a slot and leaves a core idle while functions wait to start. The
// worker pool puts a release function in the context (With); code that
// waits on shared work calls Wait instead of receiving from the channel.
package workslot

import "context"

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
// back. Its Yield, put in a worker's context with With, lets up to the
// pool's size of workers at once hand their slots over while they wait,
// so at most twice the size of the pool is ever under way.
type Pool struct {
	slots   chan struct{}
	waiting chan struct{}
}

// NewPool returns a pool of n slots (n >= 1).
func NewPool(n int) *Pool {
	n = max(n, 1)
	return &Pool{slots: make(chan struct{}, n), waiting: make(chan struct{}, n)}
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

// Release gives back a slot Acquire took.
func (p *Pool) Release() { <-p.slots }

// Yield is the release function With takes for a worker holding one of
// p's slots. The slot it hands over is taken back whatever happens to the
// build's context: the worker always gives it back once more, with
// Release, when it ends.
func (p *Pool) Yield() (reacquire func()) {
	select {
	case p.waiting <- struct{}{}:
	default:
		return nil // enough workers wait already: keep the slot
	}
	p.Release()
	return func() {
		p.slots <- struct{}{}
		<-p.waiting
	}
}
