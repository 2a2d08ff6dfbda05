package cache

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRecordRoundTripAndCorruption(t *testing.T) {
	payload := []byte("some payload\x00with bytes")
	rec := Encode(payload)
	got, err := Decode(rec)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Decode(Encode(p)) = %q, %v", got, err)
	}
	for name, bad := range map[string][]byte{
		"truncated":     rec[:len(rec)-1],
		"header only":   rec[:len(magic)+10],
		"flipped bit":   append(append([]byte{}, rec[:len(rec)-3]...), rec[len(rec)-3]^1, rec[len(rec)-2], rec[len(rec)-1]),
		"other version": append([]byte("zisi-cache 2\n"), rec[len(magic):]...),
		"empty":         nil,
	} {
		if _, err := Decode(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Decode = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestStoreRecords(t *testing.T) {
	s, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 32)
	if _, err := s.Get(key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Get of a missing key = %v, want ErrNotExist", err)
	}
	if err := s.Put(key, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(key); err != nil || string(got) != "one" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// A record cut short on disk is a miss, and is removed.
	p := s.path(recDir, key)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, data[:len(data)-1], 0o644)
	if _, err := s.Get(key); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of a truncated record = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the corrupt record is still there: %v", err)
	}
	if _, err := s.Get("../../etc/passwd"); err == nil {
		t.Error("a key that is not hex was accepted")
	}
}

// Several writers and readers of one key (zisi processes sharing a cache)
// only ever see a whole record.
func TestStoreConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	key := strings.Repeat("cd", 32)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(dir, 0) // each its own Store, as processes have
			if err != nil {
				t.Error(err)
				return
			}
			want := bytes.Repeat([]byte{byte('a' + w)}, 64<<10)
			for range 20 {
				if err := s.Put(key, want); err != nil {
					t.Error(err)
					return
				}
				got, err := s.Get(key)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Get = %v", err)
					return
				}
				if err == nil && (len(got) != len(want) || bytes.Count(got, got[:1]) != len(got)) {
					t.Errorf("read a mixed or partial record (%d bytes)", len(got))
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestBlobRestoreAndCorruption(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "cache"), 0)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "a.zip")
	os.WriteFile(src, []byte("archive bytes"), 0o644)
	sum, crc, size, err := s.AddBlob(src)
	if err != nil {
		t.Fatal(err)
	}
	if want, _, _ := HashFile(src); sum != want || size != 13 {
		t.Fatalf("AddBlob = %s %d, want %s 13", sum, size, want)
	}
	out := filepath.Join(dir, "out.zip")
	if err := s.RestoreBlob(sum, crc, size, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "archive bytes" {
		t.Fatalf("restored %q", got)
	}
	// A blob changed in place (its size kept) is caught and removed.
	os.WriteFile(s.path(blobDir, sum), []byte("archive BYTES"), 0o644)
	err = s.RestoreBlob(sum, crc, size, filepath.Join(dir, "out2.zip"))
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("RestoreBlob of an altered blob = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2.zip")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("an altered blob was restored")
	}
	if _, err := os.Stat(s.path(blobDir, sum)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the altered blob was kept")
	}
	// A blob from a remote store must hash to its name.
	if err := s.PutBlob(sum, []byte("something else")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("PutBlob with other content = %v, want ErrCorrupt", err)
	}
	if err := s.PutBlob(sum, []byte("archive bytes")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadBlob(sum); err != nil || string(got) != "archive bytes" {
		t.Fatalf("ReadBlob = %q, %v", got, err)
	}
}

func TestTrimRemovesLeastRecentlyUsed(t *testing.T) {
	s, err := Open(t.TempDir(), 10<<10)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	var keys []string
	for i := range 6 {
		key := fmt.Sprintf("%064x", i+1)
		keys = append(keys, key)
		if err := s.Put(key, bytes.Repeat([]byte("x"), 3<<10)); err != nil {
			t.Fatal(err)
		}
		// Older first: key 0 is the least recently used.
		at := old.Add(time.Duration(i) * time.Minute)
		os.Chtimes(s.path(recDir, key), at, at)
	}
	// Reading key 0 makes it the most recently used.
	if _, err := s.Get(keys[0]); err != nil {
		t.Fatal(err)
	}
	removed, _, err := s.Trim()
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Stats()
	if st.Bytes > 8<<10 || removed == 0 {
		t.Fatalf("after Trim: %d bytes, %d removed; want at most 8 KiB", st.Bytes, removed)
	}
	if _, err := s.Get(keys[0]); err != nil {
		t.Errorf("the most recently used record was evicted: %v", err)
	}
	if _, err := s.Get(keys[1]); err == nil {
		t.Error("the least recently used record survived")
	}
	if err := s.Clean(); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(); st.Records+st.Blobs != 0 {
		t.Errorf("after Clean: %+v", st)
	}
}

// backdate makes paths look written a minute ago (a checkout), so the
// stat fast path trusts them.
func backdate(t *testing.T, paths ...string) {
	t.Helper()
	at := time.Now().Add(-time.Minute)
	for _, p := range paths {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProbeAnswers(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "lib", "index.js")
	os.MkdirAll(filepath.Dir(js), 0o755)
	os.WriteFile(js, []byte("module.exports = 1"), 0o644)
	answer := func(p Probe) string { return NewSnapshot(nil).Values([]Probe{p})[0].Value }
	file := Probe{Kind: 'f', Path: js}
	list := Probe{Kind: 'd', Path: filepath.Dir(js)}
	prefix := Probe{Kind: 'p', Path: dir, Arg: "lib"}
	f0, d0, p0 := answer(file), answer(list), answer(prefix)

	// Same bytes written again, and a touch: same answers.
	os.WriteFile(js, []byte("module.exports = 1"), 0o644)
	os.Chtimes(js, time.Now(), time.Now())
	if answer(file) != f0 || answer(list) != d0 {
		t.Error("rewriting the same content changed the answers")
	}
	// An index.ts beside index.js changes the folder's listing.
	os.WriteFile(filepath.Join(dir, "lib", "index.ts"), nil, 0o644)
	if answer(list) == d0 {
		t.Error("a new index.ts did not change the listing")
	}
	// lib.js beside lib/ changes the parent's entries named like it;
	// an unrelated file does not.
	os.WriteFile(filepath.Join(dir, "other.js"), nil, 0o644)
	if answer(prefix) != p0 {
		t.Error("an unrelated file changed the prefix answer")
	}
	os.WriteFile(filepath.Join(dir, "lib.js"), nil, 0o644)
	if answer(prefix) == p0 {
		t.Error("lib.js beside lib/ did not change the prefix answer")
	}
	// The executable bit is part of a file's answer.
	os.Chmod(js, 0o755)
	if answer(file) == f0 {
		t.Error("the executable bit did not change the answer")
	}
	// A link retargeted changes its folder's listing.
	nm := filepath.Join(dir, "node_modules")
	os.MkdirAll(filepath.Join(dir, "store", "a@1"), 0o755)
	os.MkdirAll(filepath.Join(dir, "store", "a@2"), 0o755)
	os.MkdirAll(nm, 0o755)
	os.Symlink("../store/a@1", filepath.Join(nm, "a"))
	l1 := answer(Probe{Kind: 'd', Path: nm})
	os.Remove(filepath.Join(nm, "a"))
	os.Symlink("../store/a@2", filepath.Join(nm, "a"))
	if answer(Probe{Kind: 'd', Path: nm}) == l1 {
		t.Error("retargeting a link in node_modules did not change its listing")
	}
	if v := answer(Probe{Kind: 'f', Path: filepath.Join(dir, "missing.js")}); v != "-" {
		t.Errorf("missing file answered %q", v)
	}
	if v := answer(Probe{Kind: 'f', Path: filepath.Join(js, "below")}); v != "-" {
		t.Errorf("a path below a file answered %q", v)
	}
}

// The stat fast path answers an unchanged file from the index without
// reading it, and rehashes one whose stat changed.
func TestIndexFastPath(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "cache"), 0)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "a.js")
	os.WriteFile(f, []byte("one"), 0o644)
	backdate(t, f)
	p := Probe{Kind: 'f', Path: f}
	ix := s.LoadIndex("site")
	v1 := NewSnapshot(ix).Values([]Probe{p})[0].Value
	// The file's ctime is now (backdating sets it), so the entry is racy
	// until a later build hashes it again; stand for that later build.
	time.Sleep(30 * time.Millisecond)
	NewSnapshot(ix).Values([]Probe{p})
	if err := ix.Save(); err != nil {
		t.Fatal(err)
	}
	ix2 := s.LoadIndex("site")
	if e, ok := ix2.m[p.id()]; !ok || e.Value != v1 {
		t.Fatalf("the saved index lacks the answer: %+v", ix2.m)
	}
	if v, ok := ix2.lookup(p.id(), statOfPath(t, f)); !ok || v != v1 {
		t.Fatalf("lookup of an unchanged file = %q, %v", v, ok)
	}
	// Same size, new content, mtime set back to what it was: the ctime
	// (and so the stat) changed, so it is rehashed.
	os.WriteFile(f, []byte("two"), 0o644)
	backdate(t, f)
	if _, ok := ix2.lookup(p.id(), statOfPath(t, f)); ok {
		t.Fatal("the index answered for a file whose stat changed")
	}
	if v := NewSnapshot(ix2).Values([]Probe{p})[0].Value; v == v1 {
		t.Fatal("a changed file kept its old answer")
	}
	// A file changed less than the racy margin before it was hashed is
	// not trusted.
	os.WriteFile(f, []byte("three"), 0o644)
	ix3 := s.LoadIndex("other")
	NewSnapshot(ix3).Values([]Probe{p})
	if _, ok := ix3.lookup(p.id(), statOfPath(t, f)); ok {
		t.Fatal("the index trusted a file hashed right after it changed")
	}
	// Encoding round trip.
	m, err := decodeIndex(encodeIndex(ix2.m))
	if err != nil || len(m) != len(ix2.m) || m[p.id()] != ix2.m[p.id()] {
		t.Fatalf("index round trip: %v, %v", m, err)
	}
	if _, err := decodeIndex([]byte{0x05, 'a'}); err == nil {
		t.Error("a truncated index decoded")
	}
}

func statOfPath(t *testing.T, p string) fileStat {
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return statOf(fi)
}

func TestSettled(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.js")
	os.WriteFile(old, nil, 0o644)
	start := time.Now().Add(time.Second) // as if the build started after the write
	snap := NewSnapshot(nil)
	if !snap.Settled([]Probe{{Kind: 'f', Path: old}}, start) {
		t.Error("a file written before the build is not settled")
	}
	fresh := filepath.Join(dir, "fresh.js")
	start = time.Now()
	os.WriteFile(fresh, nil, 0o644)
	if snap.Settled([]Probe{{Kind: 'f', Path: fresh}}, start) {
		t.Error("a file written during the build is settled")
	}
	if !snap.Settled([]Probe{{Kind: 'f', Path: filepath.Join(dir, "missing")}}, start) {
		t.Error("a missing file is not settled")
	}
}

func TestDepsResolvedAndSplit(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	pkg := filepath.Join(nm, "@scope", "pkg")
	os.MkdirAll(filepath.Join(pkg, "lib", "deep"), 0o755)
	os.WriteFile(filepath.Join(pkg, "lib", "a.js"), nil, 0o644)
	os.MkdirAll(filepath.Join(pkg, "node_modules", "inner"), 0o755)
	main := filepath.Join(dir, "fn", "main.js")
	os.MkdirAll(filepath.Dir(main), 0o755)
	os.WriteFile(main, nil, 0o644)

	d := NewDeps(nil)
	d.Resolved(main)
	d.Resolved(filepath.Join(pkg, "lib", "a.js"))
	own, groups := d.Split()
	has := func(ps []Probe, want Probe) bool {
		for _, p := range ps {
			if p == want {
				return true
			}
		}
		return false
	}
	for _, want := range []Probe{
		{Kind: 'f', Path: main},
		{Kind: 'd', Path: filepath.Dir(main)},
		{Kind: 'f', Path: filepath.Join(dir, "package.json")},
		{Kind: 'f', Path: filepath.Join(dir, "fn", "tsconfig.json")},
		{Kind: 'd', Path: nm},
		{Kind: 'd', Path: filepath.Join(nm, "@scope")},
		{Kind: 'p', Path: dir, Arg: "fn"},
		{Kind: 'f', Path: "/package.json"},
	} {
		if !has(own, want) {
			t.Errorf("own probes lack %+v", want)
		}
	}
	if len(groups) != 1 {
		t.Fatalf("%d groups, want 1 (the package)", len(groups))
	}
	for _, want := range []Probe{
		{Kind: 'f', Path: filepath.Join(pkg, "lib", "a.js")},
		{Kind: 'd', Path: pkg},
		{Kind: 'd', Path: filepath.Join(pkg, "lib", "deep")},  // the whole package tree
		{Kind: 'd', Path: filepath.Join(pkg, "node_modules")}, // its node_modules listing
	} {
		if !has(groups[0], want) {
			t.Errorf("the package group lacks %+v", want)
		}
	}
	if has(groups[0], Probe{Kind: 'd', Path: filepath.Join(pkg, "node_modules", "inner")}) {
		t.Error("the package's tree went into its own node_modules")
	}
	back, err := DecodeProbes(EncodeProbes(groups[0]))
	if err != nil || len(back) != len(groups[0]) || back[0] != groups[0][0] {
		t.Fatalf("probe list round trip: %v, %v", back, err)
	}
}

func TestDepsTsconfigExtendsAndLinkedFolders(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "node_modules", "@tsconfig", "node20"), 0o755)
	os.WriteFile(filepath.Join(dir, "node_modules", "@tsconfig", "node20", "tsconfig.json"), []byte(`{"compilerOptions":{}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "base.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(`{
		// comments are allowed
		"extends": ["./base.json", "@tsconfig/node20/tsconfig.json"],
	}`), 0o644)
	main := filepath.Join(dir, "fn.ts")
	os.WriteFile(main, nil, 0o644)
	d := NewDeps(nil)
	d.Resolved(main)
	for _, want := range []string{filepath.Join(dir, "base.json"), filepath.Join(dir, "node_modules", "@tsconfig", "node20", "tsconfig.json")} {
		if !d.probes[Probe{Kind: 'f', Path: want}] {
			t.Errorf("no probe of %s, which tsconfig.json extends", want)
		}
	}

	// A package folder linked into another is walked through the link.
	pkg := filepath.Join(dir, "node_modules", "p")
	os.MkdirAll(filepath.Join(dir, "shared", "inner"), 0o755)
	os.MkdirAll(pkg, 0o755)
	os.Symlink(filepath.Join(dir, "shared"), filepath.Join(pkg, "linked"))
	d = NewDeps(nil)
	d.Tree(pkg, false)
	if !d.probes[Probe{Kind: 'd', Path: filepath.Join(pkg, "linked", "inner")}] {
		t.Errorf("the tree did not follow the linked folder: %v", d.Probes())
	}
}
