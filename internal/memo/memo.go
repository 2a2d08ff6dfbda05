// Package memo holds Map, the concurrent map behind the build's memos:
// written once per key, then read by every worker, once per function that
// ships a file. sync.Map served them before; at 138,000 reads of long
// path keys per 200-function build its lookups cost twice what a map
// split into locked shards does (its trie chases more pointers, and every
// key is boxed in an interface).
package memo

import (
	"hash/maphash"
	"sync"
)

// shards spreads the keys so that workers rarely meet on a lock.
const shards = 64

// seed is shared by every Map: the hash only picks a shard.
var seed = maphash.MakeSeed()

// Map is a concurrent map from K to V. The zero value is empty and ready;
// a Map must not be copied after first use.
type Map[K comparable, V any] struct {
	shards [shards]shard[K, V]
}

type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

func (m *Map[K, V]) shard(k K) *shard[K, V] {
	return &m.shards[maphash.Comparable(seed, k)%shards]
}

// Load returns the value stored for k, if any.
func (m *Map[K, V]) Load(k K) (V, bool) {
	s := m.shard(k)
	s.mu.RLock()
	v, ok := s.m[k]
	s.mu.RUnlock()
	return v, ok
}

// LoadOrStore returns the value stored for k if there is one (loaded
// true); otherwise it stores v and returns it.
func (m *Map[K, V]) LoadOrStore(k K, v V) (V, bool) {
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[k]; ok {
		return old, true
	}
	if s.m == nil {
		s.m = make(map[K]V)
	}
	s.m[k] = v
	return v, false
}

// Store sets the value for k.
func (m *Map[K, V]) Store(k K, v V) {
	s := m.shard(k)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[K]V)
	}
	s.m[k] = v
	s.mu.Unlock()
}
