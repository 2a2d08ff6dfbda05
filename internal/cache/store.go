package cache

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSize bounds a cache folder unless told otherwise: room for
// many builds of a large site (the 200-function benchmark site writes
// 460 MB per build) without filling a CI runner's disk.
const DefaultMaxSize = 2 << 30

// Layout of a store's folder (all under version "v1", which a later
// format changes):
//
//	v1/rec/ab/<key>    records: Encode-framed payloads, by key
//	v1/blob/ab/<sha>   archives, named by the SHA-256 of their content
//	v1/tmp/            files being written, renamed into place
const (
	layoutVersion = "v1"
	recDir        = "rec"
	blobDir       = "blob"
	tmpDir        = "tmp"
)

// Store is a cache folder. Every write lands whole (written aside, then
// renamed into place) and every read is verified, so several processes
// can share one folder: the worst a race can do is a miss.
type Store struct {
	dir     string
	maxSize int64
	// made are the fan-out folders known to exist.
	made sync.Map
}

// Open opens (creating it) the cache folder dir, bounded to maxSize
// bytes (DefaultMaxSize when zero or negative) by Trim.
func Open(dir string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	s := &Store{dir: dir, maxSize: maxSize}
	for _, d := range []string{recDir, blobDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, layoutVersion, d), 0o755); err != nil {
			return nil, fmt.Errorf("create the build cache %q: %w; choose another with --cache-dir, or build with --no-cache", dir, err)
		}
	}
	return s, nil
}

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(kind, name string) string {
	return filepath.Join(s.dir, layoutVersion, kind, name[:2], name)
}

// validName refuses anything but the lowercase hex names keys and sums
// are, so no key can reach outside the store.
func validName(name string) error {
	if len(name) < 16 || strings.Trim(name, "0123456789abcdef") != "" {
		return fmt.Errorf("cache: invalid key %q", name)
	}
	return nil
}

// Get returns the payload stored under key. A missing record is
// fs.ErrNotExist; one that does not verify is ErrCorrupt, and is removed
// so the next build writes a good one.
func (s *Store) Get(key string) ([]byte, error) {
	if err := validName(key); err != nil {
		return nil, err
	}
	p := s.path(recDir, key)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	payload, err := Decode(data)
	if err != nil {
		os.Remove(p)
		return nil, fmt.Errorf("cache record %s: %w", p, err)
	}
	touch(p)
	return payload, nil
}

// Put stores payload under key, replacing any record there.
func (s *Store) Put(key string, payload []byte) error {
	if err := validName(key); err != nil {
		return err
	}
	return s.place(s.path(recDir, key), false, func(f *os.File) error {
		_, err := f.Write(Encode(payload))
		return err
	})
}

// place writes a file aside with write, then renames it to p; durable
// syncs it first. Records need not be durable (a record a crash cut
// short fails verification: a miss), blobs must: a restored archive is
// a link to its blob.
func (s *Store) place(p string, durable bool, write func(*os.File) error) error {
	if err := s.mkdir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("write the build cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, layoutVersion, tmpDir), "w-*")
	if err != nil {
		return fmt.Errorf("write the build cache: %w", err)
	}
	err = write(f)
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write the build cache %s: %w", p, err)
	}
	return nil
}

// mkdir makes a fan-out folder, once per Store.
func (s *Store) mkdir(dir string) error {
	if _, ok := s.made.Load(dir); ok {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s.made.Store(dir, true)
	return nil
}

// HashFile returns the SHA-256 (hex) and size of the file at path.
func HashFile(path string) (sum string, size int64, err error) {
	sum, _, size, err = hashFile(path, true)
	return sum, size, err
}

// hashBufs are read buffers for hashFile: archives run to megabytes, and
// io.Copy's 32 KiB would take a system call per 32 KiB.
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// onlyReader hides a file's WriterTo, so io.CopyBuffer uses the buffer.
type onlyReader struct{ io.Reader }

// castagnoli is CRC-32C, which the CPU computes at memory speed.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// hashFile returns the CRC-32C and size of the file at path, and with
// strong its SHA-256 too.
func hashFile(path string, strong bool) (sum string, crc uint32, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, 0, err
	}
	defer f.Close()
	c := crc32.New(castagnoli)
	var w io.Writer = c
	h := sha256.New()
	if strong {
		w = io.MultiWriter(c, h)
	}
	buf := hashBufs.Get().(*[]byte)
	size, err = io.CopyBuffer(w, onlyReader{f}, *buf)
	hashBufs.Put(buf)
	if err != nil {
		return "", 0, 0, fmt.Errorf("read %q: %w", path, err)
	}
	if strong {
		sum = hex.EncodeToString(h.Sum(nil))
	}
	return sum, c.Sum32(), size, nil
}

// AddBlob stores the file at path (an archive just written) as a blob and
// returns its SHA-256, CRC-32C and size. The blob is a hard link to the file where the
// file system allows (no bytes are copied), else a copy; either way the
// caller must never write to path in place afterwards (zisi's archives
// are only ever replaced by rename).
func (s *Store) AddBlob(path string) (sum string, crc uint32, size int64, err error) {
	sum, crc, size, err = hashFile(path, true)
	if err != nil {
		return "", 0, 0, err
	}
	dest := s.path(blobDir, sum)
	if fi, err := os.Stat(dest); err == nil && fi.Size() == size {
		touch(dest)
		return sum, crc, size, nil
	}
	if err := s.mkdir(filepath.Dir(dest)); err != nil {
		return "", 0, 0, fmt.Errorf("write the build cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, layoutVersion, tmpDir), "l-*")
	if err != nil {
		return "", 0, 0, fmt.Errorf("write the build cache: %w", err)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	if os.Link(path, tmp.Name()) == nil {
		if err := os.Rename(tmp.Name(), dest); err != nil {
			os.Remove(tmp.Name())
			return "", 0, 0, fmt.Errorf("write the build cache %s: %w", dest, err)
		}
		return sum, crc, size, nil
	}
	return sum, crc, size, s.place(dest, true, func(f *os.File) error {
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(f, in)
		return err
	})
}

// PutBlob stores data, whose SHA-256 is sum, as a blob (a blob fetched
// from a remote store); data that does not hash to sum is ErrCorrupt.
func (s *Store) PutBlob(sum string, data []byte) error {
	if err := validName(sum); err != nil {
		return err
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
		return fmt.Errorf("%w: blob %s has other content", ErrCorrupt, sum)
	}
	return s.place(s.path(blobDir, sum), true, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// ReadBlob returns a blob's bytes, verified.
func (s *Store) ReadBlob(sum string) ([]byte, error) {
	if err := validName(sum); err != nil {
		return nil, err
	}
	p := s.path(blobDir, sum)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
		os.Remove(p)
		return nil, fmt.Errorf("%w: blob %s changed after it was written; it was removed", ErrCorrupt, p)
	}
	return data, nil
}

// RestoreBlob puts the blob sum at dest, which must not exist: it is
// verified first against the size and CRC-32C recorded with it (a
// truncated or altered blob is ErrCorrupt and removed), then hard-linked,
// or copied across file systems. A copied file is synced before
// RestoreBlob returns; a link shares the blob's data, which reached the
// disk when its archive was written. (Blobs fetched from a remote store
// are checked against their SHA-256 name by PutBlob.)
func (s *Store) RestoreBlob(sum string, crc uint32, size int64, dest string) error {
	if err := validName(sum); err != nil {
		return err
	}
	p := s.path(blobDir, sum)
	_, got, n, err := hashFile(p, false)
	if err != nil {
		return err
	}
	if got != crc || n != size {
		os.Remove(p)
		return fmt.Errorf("%w: blob %s changed after it was written (%d bytes, want %d); it was removed", ErrCorrupt, p, n, size)
	}
	touch(p)
	if os.Link(p, dest) == nil {
		return nil
	}
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest)
		return fmt.Errorf("restore %q from the build cache: %w", dest, err)
	}
	return nil
}

// touch marks p as used now, for Trim's least-recently-used order.
func touch(p string) {
	now := time.Now()
	os.Chtimes(p, now, now)
}

// Stats describes a store's content.
type Stats struct {
	Dir              string
	Records, Blobs   int
	Bytes, MaxBytes  int64
	Oldest, Youngest time.Time
}

type item struct {
	path  string
	size  int64
	mtime time.Time
}

// items lists the store's records and blobs.
func (s *Store) items() ([]item, error) {
	var out []item
	for _, kind := range []string{recDir, blobDir} {
		root := filepath.Join(s.dir, layoutVersion, kind)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil // removed by another process meanwhile
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			out = append(out, item{path: p, size: fi.Size(), mtime: fi.ModTime()})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the build cache %q: %w", s.dir, err)
		}
	}
	return out, nil
}

// Stats counts what the store holds.
func (s *Store) Stats() (Stats, error) {
	st := Stats{Dir: s.dir, MaxBytes: s.maxSize}
	items, err := s.items()
	if err != nil {
		return st, err
	}
	for _, it := range items {
		if strings.Contains(it.path, string(filepath.Separator)+blobDir+string(filepath.Separator)) {
			st.Blobs++
		} else {
			st.Records++
		}
		st.Bytes += it.size
		if st.Oldest.IsZero() || it.mtime.Before(st.Oldest) {
			st.Oldest = it.mtime
		}
		if it.mtime.After(st.Youngest) {
			st.Youngest = it.mtime
		}
	}
	return st, nil
}

// Trim removes the least recently used records and blobs while the store
// holds more than its bound, down to 80% of it (so that the next builds
// do not trim again at once). It returns how many it removed.
func (s *Store) Trim() (removed int, freed int64, err error) {
	items, err := s.items()
	if err != nil {
		return 0, 0, err
	}
	var total int64
	for _, it := range items {
		total += it.size
	}
	if total <= s.maxSize {
		return 0, 0, nil
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(a.mtime.Compare(b.mtime), strings.Compare(a.path, b.path))
	})
	goal := s.maxSize / 10 * 8
	for _, it := range items {
		if total <= goal {
			break
		}
		if os.Remove(it.path) == nil {
			removed++
			freed += it.size
			total -= it.size
		}
	}
	return removed, freed, nil
}

// Clean removes everything the store holds.
func (s *Store) Clean() error {
	if err := os.RemoveAll(filepath.Join(s.dir, layoutVersion)); err != nil {
		return fmt.Errorf("clean the build cache %q: %w", s.dir, err)
	}
	return nil
}
