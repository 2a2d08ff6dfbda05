package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sync"
	"syscall"
	"time"
)

// fileStat is what the fast path compares: when a path's size, times,
// inode and type are what they were when it was hashed, its content is
// taken to be the same, as git's index does.
type fileStat struct {
	Size  int64  `json:"s"`
	Mtime int64  `json:"m"`
	Ctime int64  `json:"c"`
	Ino   uint64 `json:"i"`
	Mode  uint32 `json:"o"`
}

func statOf(fi fs.FileInfo) fileStat {
	st := fileStat{Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Ino = uint64(sys.Ino)
		st.Ctime = time.Unix(int64(sys.Ctim.Sec), int64(sys.Ctim.Nsec)).UnixNano()
	}
	return st
}

// changed is when the inode last changed: its ctime, which moves with
// every write, chmod, link or rename and which no one can set (a
// modification time can be set to anything, the future included); the
// modification time where there is no ctime.
func (st fileStat) changed() time.Time {
	if st.Ctime != 0 {
		return time.Unix(0, st.Ctime)
	}
	return time.Unix(0, st.Mtime)
}

type indexEntry struct {
	Stat fileStat `json:"t"`
	// At is when the value was computed: an entry whose path changed
	// less than racyMargin before then may have changed again within the
	// same clock tick, so it is not trusted.
	At    int64  `json:"a"`
	Value string `json:"v"`
}

// Index is the stat fast path, kept per site in the store: probe answers
// with the stat of the probed path when they were computed.
type Index struct {
	st   *Store
	key  string
	mu   sync.Mutex
	m    map[string]indexEntry
	used map[string]bool
	// dirty is set when an answer was stored since the index was read.
	dirty bool
}

// LoadIndex reads the index for the site named by site (any string that
// identifies it: its folder). A missing or corrupt index is an empty one.
func (s *Store) LoadIndex(site string) *Index {
	sum := sha256.Sum256([]byte("index\x00" + site))
	ix := &Index{st: s, key: hex.EncodeToString(sum[:]), m: map[string]indexEntry{}, used: map[string]bool{}}
	if data, err := s.Get(ix.key); err == nil {
		if m, err := decodeIndex(data); err == nil {
			ix.m = m
		}
	}
	return ix
}

func (ix *Index) lookup(id string, st fileStat) (string, bool) {
	if ix == nil {
		return "", false
	}
	ix.mu.Lock()
	e, ok := ix.m[id]
	ix.used[id] = true
	ix.mu.Unlock()
	if !ok || e.Stat != st {
		return "", false
	}
	changed := st.changed()
	if time.Unix(0, e.At).Sub(changed) <= racyMargin(changed) {
		return "", false
	}
	return e.Value, true
}

func (ix *Index) store(id string, st fileStat, value string) {
	if ix == nil || value == "" || value[0] == 'E' {
		return
	}
	ix.mu.Lock()
	ix.m[id] = indexEntry{Stat: st, At: time.Now().UnixNano(), Value: value}
	ix.used[id] = true
	ix.dirty = true
	ix.mu.Unlock()
}

// Save writes the index back with the answers this build used (so
// paths no longer probed drop out), unless nothing changed.
func (ix *Index) Save() error {
	if ix == nil {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for id := range ix.m {
		if !ix.used[id] {
			delete(ix.m, id)
			ix.dirty = true
		}
	}
	if !ix.dirty {
		return nil
	}
	ix.dirty = false
	return ix.st.Put(ix.key, encodeIndex(ix.m))
}

// encodeIndex writes entries as varint-framed fields: an index holds
// one entry per file a site's builds read, tens of thousands, and is
// read at the start of every build.
func encodeIndex(m map[string]indexEntry) []byte {
	var b []byte
	for id, e := range m {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		b = binary.AppendVarint(b, e.Stat.Size)
		b = binary.AppendVarint(b, e.Stat.Mtime)
		b = binary.AppendVarint(b, e.Stat.Ctime)
		b = binary.AppendUvarint(b, e.Stat.Ino)
		b = binary.AppendUvarint(b, uint64(e.Stat.Mode))
		b = binary.AppendVarint(b, e.At)
		b = binary.AppendUvarint(b, uint64(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b
}

func decodeIndex(b []byte) (map[string]indexEntry, error) {
	m := map[string]indexEntry{}
	bad := fmt.Errorf("%w: bad stat index", ErrCorrupt)
	str := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	num := func() (int64, bool) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	unum := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	for len(b) > 0 {
		var e indexEntry
		id, ok1 := str()
		size, ok2 := num()
		mtime, ok3 := num()
		ctime, ok4 := num()
		ino, ok5 := unum()
		mode, ok6 := unum()
		at, ok7 := num()
		v, ok8 := str()
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) {
			return nil, bad
		}
		e.Stat = fileStat{Size: size, Mtime: mtime, Ctime: ctime, Ino: ino, Mode: uint32(mode)}
		e.At, e.Value = at, v
		m[id] = e
	}
	return m, nil
}
