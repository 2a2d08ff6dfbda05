package memo

import (
	"fmt"
	"sync"
	"testing"
)

// TestMap: values stored by several goroutines at once are all read back,
// absent keys are absent, and a later Store replaces a value; struct keys
// work as string keys do.
func TestMap(t *testing.T) {
	var m Map[string, int]
	if _, ok := m.Load("x"); ok {
		t.Fatal("empty map has x")
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				k := fmt.Sprintf("/site/node_modules/p%d/f%d.js", w, i)
				m.Store(k, i)
				if v, ok := m.Load(k); !ok || v != i {
					t.Errorf("%s: %d, %v right after storing %d", k, v, ok, i)
				}
			}
		})
	}
	wg.Wait()
	for w := range 4 {
		for i := range 1000 {
			if v, ok := m.Load(fmt.Sprintf("/site/node_modules/p%d/f%d.js", w, i)); !ok || v != i {
				t.Fatalf("p%d/f%d: %d, %v", w, i, v, ok)
			}
		}
	}
	m.Store("/site/node_modules/p0/f0.js", -1)
	if v, _ := m.Load("/site/node_modules/p0/f0.js"); v != -1 {
		t.Errorf("replaced value: %d", v)
	}
	type key struct {
		dir string
		cjs bool
	}
	var s Map[key, string]
	s.Store(key{"/a", true}, "t")
	s.Store(key{"/a", false}, "f")
	if v, _ := s.Load(key{"/a", true}); v != "t" {
		t.Errorf("struct key: %q", v)
	}
	if _, ok := s.Load(key{"/b", true}); ok {
		t.Error("struct key: absent key found")
	}
}

// TestLoadOrStore: of goroutines racing to store a key, one stores and
// every one gets that value back; a stored key keeps its value.
func TestLoadOrStore(t *testing.T) {
	var m Map[string, *int]
	got := make([]*int, 8)
	stored := make([]bool, 8)
	var wg sync.WaitGroup
	for w := range got {
		wg.Go(func() {
			v := new(int)
			*v = w
			p, loaded := m.LoadOrStore("/site/node_modules/p/package.json", v)
			got[w], stored[w] = p, !loaded
		})
	}
	wg.Wait()
	n := 0
	for w := range got {
		if got[w] != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 %p", w, got[w], got[0])
		}
		if stored[w] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d goroutines stored the key, want 1", n)
	}
	if v, ok := m.Load("/site/node_modules/p/package.json"); !ok || v != got[0] {
		t.Fatalf("Load after LoadOrStore: %p, %v", v, ok)
	}
	if v, loaded := m.LoadOrStore("/site/node_modules/p/package.json", new(int)); !loaded || v != got[0] {
		t.Fatalf("second LoadOrStore: %p, loaded %v", v, loaded)
	}
}

// benchKeys are 20,000 paths as long as a package file's.
func benchKeys() []string {
	keys := make([]string, 20000)
	for i := range keys {
		keys[i] = fmt.Sprintf("/site/node_modules/@scope/package/dist-cjs/commands/file-%d.js", i)
	}
	return keys
}

func BenchmarkMapLoad(b *testing.B) {
	var m Map[string, bool]
	benchLoad(b, func(k string) { m.Store(k, true) }, func(k string) { m.Load(k) })
}

// BenchmarkSyncMapLoad is what Map replaced, for comparison.
func BenchmarkSyncMapLoad(b *testing.B) {
	var m sync.Map
	benchLoad(b, func(k string) { m.Store(k, true) }, func(k string) { m.Load(k) })
}

// benchLoad stores benchKeys with store, then times load on them in a
// scattered order.
func benchLoad(b *testing.B, store, load func(string)) {
	keys := benchKeys()
	for _, k := range keys {
		store(k)
	}
	b.ResetTimer()
	for i := range b.N {
		load(keys[i*7919%len(keys)])
	}
}
