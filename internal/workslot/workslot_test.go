package workslot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// A worker waiting on shared work lets another take its slot, and takes
// one back before it goes on.
func TestWaitHandsTheSlotOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := heldPool(t)
		ctx := context.Background()
		done := make(chan struct{})
		var waited atomic.Bool
		go func() {
			if err := Wait(With(ctx, p.Yielder()), done); err != nil {
				t.Error(err)
			}
			waited.Store(true)
		}()
		synctest.Wait() // the waiter blocks

		// The slot the waiter held is free for a second worker.
		if acquired := acquire(t, p); !isClosed(acquired) {
			t.Fatal("the waiter kept its slot")
		}
		close(done)
		synctest.Wait()
		if waited.Load() {
			t.Fatal("the waiter went on while the second worker held the only slot")
		}
		p.Release() // the second worker ends
		synctest.Wait()
		if !waited.Load() {
			t.Fatal("the waiter did not go on once a slot was free")
		}
		// The waiter holds the slot again: nobody else gets it until it
		// releases.
		third := acquire(t, p)
		if isClosed(third) {
			t.Fatal("a slot was free while the waiter held the pool's only one")
		}
		p.Release() // the waiter ends
		synctest.Wait()
		if !isClosed(third) {
			t.Fatal("the waiter's slot did not come back to the pool")
		}
		p.Release()
	})
}

// heldPool is a pool of one slot, taken.
func heldPool(t *testing.T) *Pool {
	p := NewPool(1)
	if err := p.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// acquire takes one of p's slots in a new goroutine of the synctest
// bubble, and returns once it got it or is blocked: the channel is closed
// when it got it.
func acquire(t *testing.T, p *Pool) <-chan struct{} {
	got := make(chan struct{})
	go func() {
		if err := p.Acquire(context.Background()); err != nil {
			t.Error(err)
		}
		close(got)
	}()
	synctest.Wait()
	return got
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// At most waitersPerSlot times the pool's size of workers wait with their
// slots handed over: beyond it a waiter keeps its slot, so the work under
// way stays bounded. A worker hands its one slot over once at a time,
// however many of its goroutines wait.
func TestYieldIsBounded(t *testing.T) {
	p := NewPool(2)
	for range 2 {
		if err := p.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	limit := 2 * waitersPerSlot
	for range limit - 1 {
		p.waiting <- struct{}{} // waiters before these: one more may wait
	}
	w1, w2 := p.Yielder(), p.Yielder()
	r := w1()
	if r == nil {
		t.Fatalf("waiter %d did not hand its slot over", limit)
	}
	if w2() != nil {
		t.Fatalf("waiter %d handed a slot over while %d already wait", limit+1, limit)
	}
	r()
	<-p.waiting
	r = w1()
	if r == nil {
		t.Fatal("a waiter could not hand its slot over once the others were done")
	}
	if w1() != nil {
		t.Fatal("a worker handed its slot over twice")
	}
	r()
	if r := w1(); r == nil {
		t.Fatal("a worker could not hand its slot over again once it took it back")
	} else {
		r()
	}
}

func TestWaitReturnsAtOnceWhenDone(t *testing.T) {
	called := false
	ctx := With(context.Background(), func() func() { called = true; return nil })
	done := make(chan struct{})
	close(done)
	if err := Wait(ctx, done); err != nil {
		t.Fatal(err)
	}
	if called {
		t.Error("a wait that did not block handed its slot over")
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	p := heldPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(With(ctx, p.Yielder()), make(chan struct{})); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	// The slot came back: the worker's own Release balances it.
	p.Release()
	if err := p.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A worker that handed its slot over gets the next slot given back ahead
// of the functions still waiting to start: it has its function's work
// under way (a bundle in memory, an archive half written), and the
// functions waiting for a slot are queued from the build's start, so
// behind them it would stay parked until nearly every other function had
// started, holding one of the pool's turns to wait.
func TestAWorkerTakingItsSlotBackGoesFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := heldPool(t)
		ctx := context.Background()
		var mu sync.Mutex
		var order []string
		ran := func(who string) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, who)
		}
		done := make(chan struct{})
		go func() {
			if err := Wait(With(ctx, p.Yielder()), done); err != nil {
				t.Error(err)
			}
			ran("waiter")
			p.Release()
		}()
		synctest.Wait() // the waiter handed its slot over
		if err := p.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
		go func() {
			if err := p.Acquire(ctx); err != nil {
				t.Error(err)
			}
			ran("next function")
			p.Release()
		}()
		synctest.Wait() // a function waits to start
		close(done)
		synctest.Wait() // the waiter waits to take a slot back
		p.Release()     // the worker holding the slot ends
		synctest.Wait()
		if want := []string{"waiter", "next function"}; !slices.Equal(order, want) {
			t.Errorf("slots went to %q, want %q", order, want)
		}
	})
}

// TestEachCallsEveryIndexWithinWidth: Each calls do once for every index,
// never more than width at a time, and returns only after the last.
func TestEachCallsEveryIndexWithinWidth(t *testing.T) {
	t.Parallel()
	for _, width := range []int{0, 1, 3} {
		synctest.Test(t, func(t *testing.T) {
			var running, most atomic.Int32
			var calls [50]atomic.Int32
			Each(len(calls), width, func(i int) {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond) // let the others pile up
				calls[i].Add(1)
				running.Add(-1)
			})
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Fatalf("width %d: index %d called %d times", width, i, c)
				}
			}
			if want := int32(max(width, 1)); most.Load() != want {
				t.Errorf("width %d: %d calls at once at most, want %d", width, most.Load(), want)
			}
		})
	}
}
