package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/flate"

	"github.com/zisi-build/zisi/internal/memo"
	"github.com/zisi-build/zisi/internal/workslot"
)

// Compressor is the per-build file cache of the archive writer: each file
// that several archives store (a package used by many functions) is
// inspected, read and deflated once, and the result shared. The zero value
// is not usable; use NewCompressor. It is safe for concurrent use.
type Compressor struct {
	mu    sync.Mutex
	blobs map[fileKey]*blob
	// infos is read once per archive entry, by every worker: sharded.
	infos memo.Map[string, *fileInfo]
	// workers bounds the compressions running ahead of the archive
	// writers, across every archive of the build.
	workers chan struct{}
	// roots, when set, are the folders whose files may ship (Contain).
	roots []string
	// realpath and lstat, when set, resolve links and lstat files with
	// the build's cached answers (ShareRealpath, ShareLstat).
	realpath func(string) (string, error)
	lstat    func(string) (fs.FileInfo, error)
	// syncs, in DeferSync mode, bounds the archives written but not yet
	// synced; syncWG waits for them and syncErrs holds their failures by
	// path.
	syncs    chan struct{}
	syncWG   sync.WaitGroup
	syncMu   sync.Mutex
	syncErrs map[string]error
	// digests makes file also take each file's SHA-256 (HashContents).
	digests bool
	// skipSync leaves archives to the page cache (SkipSync).
	skipSync bool
}

// HashContents makes the Compressor take the SHA-256 of every file it
// reads to compress, for the build cache, which must know the content of
// every file a build ships (Digest): reading each file once for both
// costs a hash, not a second read. Call it before writing.
func (c *Compressor) HashContents() { c.digests = true }

// Digest returns the SHA-256 (hex) of the file whose Lstat or Stat is
// fi, when the Compressor read that file (the same device, inode, size
// and modification time) with HashContents on.
func (c *Compressor) Digest(path string, fi fs.FileInfo) (string, bool) {
	c.mu.Lock()
	b, ok := c.blobs[keyOf(path, fi)]
	c.mu.Unlock()
	if !ok {
		return "", false
	}
	if !b.claimed.Load() {
		return "", false // listed by an archive, never read
	}
	<-b.done // the read under way, if any
	return b.sum, b.sum != ""
}

// maxPendingSyncs bounds the archives a DeferSync Compressor holds open
// while the disk catches up; a writer waits for a free slot beyond it.
const maxPendingSyncs = 32

// DeferSync makes every zip written with c rename into place as soon as
// it is written and sync to disk in the background, so that the build's
// workers go on resolving and writing while the disk catches up instead
// of each waiting for its own archive to reach it. It is for archives
// written into a staging folder that is published only after WaitSync
// returns without errors: a crash before then leaves the previous
// outputs, so an archive renamed before it was durable never replaces
// one. Call it before writing.
func (c *Compressor) DeferSync() {
	c.syncs = make(chan struct{}, maxPendingSyncs)
	c.syncErrs = map[string]error{}
}

// SkipSync makes every archive written with c rename into place without
// being synced to disk, as cp and go build leave their outputs: the rename
// is still atomic, so a failed, cancelled or killed build never leaves a
// half-written archive, but after a power loss or a kernel crash an
// archive may be empty or cut short (a rebuild writes it again, and the
// build cache checks every archive's CRC before it links one back). It
// replaces DeferSync; call it before writing.
func (c *Compressor) SkipSync() { c.skipSync = true }

// syncLater syncs and closes f, written to dest, in the background,
// waiting first while maxPendingSyncs are in flight.
func (c *Compressor) syncLater(dest string, f *os.File) {
	c.syncs <- struct{}{}
	c.syncWG.Add(1)
	go func() {
		defer c.syncWG.Done()
		defer func() { <-c.syncs }()
		err := f.Sync()
		if err != nil {
			err = fmt.Errorf("sync %q: %w", dest, err)
		}
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write %q: %w", dest, cerr)
		}
		if err != nil {
			c.syncMu.Lock()
			c.syncErrs[dest] = err
			c.syncMu.Unlock()
		}
	}()
}

// WaitSync waits until every archive written in DeferSync mode is on disk
// and returns the failures by archive path (nil when none failed).
func (c *Compressor) WaitSync() map[string]error {
	if c.syncs == nil {
		return nil
	}
	c.syncWG.Wait()
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if len(c.syncErrs) == 0 {
		return nil
	}
	return maps.Clone(c.syncErrs)
}

// ShareRealpath makes the Compressor resolve the symbolic links on an
// archived file's path with realpath, the build's resolver, whose answers
// for every folder on the way are cached and already known from tracing,
// instead of one lstat per path component per file
// (filepath.EvalSymlinks). realpath takes absolute, slash-separated paths
// and must resolve every link, as filepath.EvalSymlinks does; call it
// before writing.
func (c *Compressor) ShareRealpath(realpath func(string) (string, error)) { c.realpath = realpath }

// ShareLstat makes the Compressor lstat the files archives store with
// lstat, the build's resolver, which tracing made lstat every shipped
// file already, instead of a system call per file. lstat takes absolute,
// slash-separated paths and must answer what os.Lstat does; call it
// before writing.
func (c *Compressor) ShareLstat(lstat func(string) (fs.FileInfo, error)) { c.lstat = lstat }

// sharedPath reports whether the shared resolver answers for path: it
// takes absolute, slash-separated paths.
func sharedPath(path string) bool { return filepath.Separator == '/' && filepath.IsAbs(path) }

// lstatFile is os.Lstat(path), through the shared lstat when there is one.
func (c *Compressor) lstatFile(path string) (fs.FileInfo, error) {
	if c.lstat != nil && sharedPath(path) {
		return c.lstat(path)
	}
	return os.Lstat(path)
}

// resolveLinks is path with every symbolic link on the way resolved, or ""
// when that fails.
func (c *Compressor) resolveLinks(path string) string {
	if c.realpath != nil && sharedPath(path) {
		if real, err := c.realpath(path); err == nil {
			return real
		}
	}
	real, _ := filepath.EvalSymlinks(path)
	return real
}

// ErrOutsideRoot classifies a file that would ship from outside the
// repository root, through a symbolic link; match with errors.Is.
var ErrOutsideRoot = errors.New("file outside the repository root")

// Contain restricts what archives may read to files whose real path (every
// symbolic link resolved) lies in one of roots: a committed link to
// /proc/self/environ or into $HOME must not put the build machine's
// secrets in a deploy. Call it before writing; roots should be absolute
// with their own links resolved.
func (c *Compressor) Contain(roots ...string) { c.roots = roots }

// contained reports whether real lies in one of the roots.
func (c *Compressor) contained(real string) bool {
	if c.roots == nil {
		return true
	}
	for _, r := range c.roots {
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// NewCompressor returns an empty Compressor.
func NewCompressor() *Compressor {
	return &Compressor{blobs: map[fileKey]*blob{}, workers: make(chan struct{}, runtime.NumCPU())}
}

// prefetch compresses the files of an archive ahead of its writer, on up
// to one goroutine per CPU for the whole build, so writing one archive
// uses every core. It returns once all have been started or ctx ends.
func (c *Compressor) prefetch(ctx context.Context, items []item) {
	for _, it := range items {
		if it.blob == nil || it.blob.claimed.Load() {
			continue
		}
		select {
		case c.workers <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// A file another goroutine took on meanwhile is left to it: a
		// compression slot waiting for it would be a core left idle.
		if !it.blob.claim() {
			<-c.workers
			continue
		}
		go func() {
			defer func() { <-c.workers }()
			c.fill(it.blob, it.real)
		}()
	}
}

// streamThreshold is the size from which a file is compressed while it is
// written instead of being read whole and cached: a huge file must not
// need its size in memory.
const streamThreshold = 64 << 20

func streamed(it item) bool { return it.real != "" && it.size >= streamThreshold }

// fileInfo is what the symlink policy needs to know about a path.
type fileInfo struct {
	once    sync.Once
	lstat   fs.FileInfo
	target  string      // link text, for a symlink
	stat    fs.FileInfo // the file a symlink points to
	real    string      // every link on the way resolved
	err     error       // from lstat
	linkErr error       // from following a symlink
	// inside is whether real lies in the roots (contained), worked out
	// once per path rather than once per archive storing it.
	insideOnce sync.Once
	inside     bool
	// blob is the file's blob once an archive has asked for it (blobOf).
	blob atomic.Pointer[blob]
}

// containedInfo is contained(fi.real), once per path.
func (c *Compressor) containedInfo(fi *fileInfo) bool {
	fi.insideOnce.Do(func() { fi.inside = c.contained(fi.real) })
	return fi.inside
}

// inspect lstats path once per build and, for a symlink, reads and
// follows it.
func (c *Compressor) inspect(path string) *fileInfo {
	fi, ok := c.infos.Load(path)
	if !ok {
		fi, _ = c.infos.LoadOrStore(path, &fileInfo{})
	}
	fi.once.Do(func() {
		if fi.lstat, fi.err = c.lstatFile(path); fi.err != nil {
			return
		}
		// The real path, for containment: a link anywhere on the way
		// (a linked folder, say) counts.
		fi.real = c.resolveLinks(path)
		if fi.lstat.Mode()&fs.ModeSymlink == 0 {
			return
		}
		fi.target, _ = os.Readlink(path)
		fi.stat, fi.linkErr = os.Stat(path)
	})
	return fi
}

type blob struct {
	// claimed is set by the goroutine that fills the blob (claim); done
	// is closed once it has set the fields below.
	claimed atomic.Bool
	done    chan struct{}
	method  uint16
	crc     uint32
	size    uint64
	data    []byte
	err     error
	// sum is the content's SHA-256 (hex) with HashContents.
	sum string
}

// blobOf is blobFor(key) for the path fi describes, remembered on fi so
// that later archives storing the path skip the lookup. key must be the
// same for every call with fi (it comes from fi's lstat or stat).
func (c *Compressor) blobOf(fi *fileInfo, key fileKey) *blob {
	if b := fi.blob.Load(); b != nil {
		return b
	}
	b := c.blobFor(key)
	fi.blob.Store(b)
	return b
}

// blobFor returns the blob of the file key identifies, made empty the
// first time: every archive listing the file gets the same one, when its
// entries are resolved, so its writer and the prefetch need no lookup.
func (c *Compressor) blobFor(key fileKey) *blob {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.blobs[key]
	if !ok {
		b = &blob{done: make(chan struct{})}
		c.blobs[key] = b
	}
	return b
}

// claim reports whether the caller is the one to fill b (the first to
// ask).
func (b *blob) claim() bool {
	return !b.claimed.Load() && b.claimed.CompareAndSwap(false, true)
}

// fill reads and compresses the regular file at path into b, which the
// caller claimed.
func (c *Compressor) fill(b *blob, path string) {
	defer close(b.done)
	data, release, err := readPooled(path)
	if err != nil {
		b.err = fmt.Errorf("read %q: %w", path, err)
		return
	}
	if release != nil {
		defer release()
	}
	if c.digests {
		h := sha256.Sum256(data)
		b.sum = hex.EncodeToString(h[:])
	}
	b.method, b.crc, b.size, b.data, b.err = deflate(data)
	if b.method == methodStore && release != nil {
		b.data = bytes.Clone(data) // data goes back to the pool
	}
}

// readPooled reads the file at path into a recycled buffer, which release
// hands back: the build reads each distinct file once, only to compress
// it, and a fresh buffer of every file's size was a ninth of what a build
// allocated. A file larger than maxScratch gets a buffer of its own, and
// a nil release.
func readPooled(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	// One byte more than the size, so that the end of the file is seen
	// without growing the buffer.
	size := int(min(fi.Size(), math.MaxInt32)) + 1
	var buf []byte
	var bp *[]byte
	if size <= maxScratch {
		bp = reads.Get().(*[]byte)
		buf = (*bp)[:0]
	}
	if cap(buf) < size {
		buf = make([]byte, 0, max(size, 64<<10))
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // the file grew since Stat
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if bp == nil || cap(buf) > maxScratch {
		return buf, nil, nil
	}
	return buf, func() {
		*bp = buf[:0]
		reads.Put(bp)
	}, nil
}

// reads recycles readPooled's buffers.
var reads = sync.Pool{New: func() any { return new([]byte) }}

// file returns b filled with the compressed content of the regular file
// at path (already resolved through symlinks). A file another goroutine
// is compressing is waited for, the caller's work slot handed over
// meanwhile (workslot.Wait).
func (c *Compressor) file(ctx context.Context, b *blob, path string) *blob {
	if b.claim() {
		c.fill(b, path)
		return b
	}
	if err := workslot.Wait(ctx, b.done); err != nil {
		return &blob{err: err} // b is still being filled
	}
	return b
}

// deflateLevel is the DEFLATE level of every entry, with klauspost's
// flate (a drop-in for compress/flate). The reference's archiver deflates
// with zlib at level 1; Go's compress/flate at level 1, which zisi used
// before, gave entries 3.5% larger than that on the benchmark site. Level
// 6 is klauspost's best level that keeps builds as fast as before: 6%
// smaller than the reference's entries there, 12% on fixtures/. Level 7
// and above switch to a slower matcher: 1.5% smaller, builds 15% slower.
//
// The output depends only on the bytes and the level, not on how the
// writes are split nor on the writer being reused
// (TestDeflateIgnoresChunking), so archives stay reproducible; it can
// change with the klauspost/compress version, which go.mod pins.
const deflateLevel = 6

var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, deflateLevel)
	return w
}}

// deflate compresses data, storing it instead when DEFLATE does not shrink
// it. The choice depends only on the bytes, so it is reproducible.
func deflate(data []byte) (method uint16, crc uint32, size uint64, out []byte, err error) {
	crc = crc32.ChecksumIEEE(data)
	// Compressed into a recycled buffer, then copied out at its exact
	// size: the Compressor keeps every distinct file's bytes for the
	// whole build, and a buffer grown for the worst case held twice
	// what the bytes need.
	buf := scratch.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxScratch {
			buf.Reset()
			scratch.Put(buf)
		}
	}()
	buf.Grow(len(data)/2 + 64) // one allocation at most, when a recycled buffer is too small
	w := flaters.Get().(*flate.Writer)
	defer flaters.Put(w)
	w.Reset(buf)
	if _, err := w.Write(data); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("compress: %w", err)
	}
	if buf.Len() >= len(data) {
		return methodStore, crc, uint64(len(data)), data, nil
	}
	return methodDeflate, crc, uint64(len(data)), bytes.Clone(buf.Bytes()), nil
}

// scratch recycles deflate's output buffers; one grown past maxScratch
// (a large file's) is left to the collector.
var scratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxScratch = 4 << 20

func crc(data []byte) uint32 { return crc32.ChecksumIEEE(data) }
