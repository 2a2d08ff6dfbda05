package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/flate"

	"github.com/zisi-build/zisi/internal/workslot"
)

// jsLike is n bytes of compressible, JavaScript-like text.
func jsLike(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	words := []string{"function", "return", "const", "require", "module", "exports", "await", "=>", "{", "}", "\n"}
	buf := make([]byte, 0, n+16)
	for len(buf) < n {
		buf = append(buf, words[rng.IntN(len(words))]...)
		buf = append(buf, ' ')
		if rng.IntN(8) == 0 {
			buf = fmt.Appendf(buf, "x%d ", rng.IntN(1000))
		}
	}
	return buf[:n]
}

// Compressed bytes must depend only on the content: not on how the writes
// are split (a streamed file arrives in read-sized chunks) nor on what a
// pooled writer compressed before.
func TestDeflateIgnoresChunking(t *testing.T) {
	t.Parallel()
	for _, size := range []int{100, 5000, 70 << 10, 300 << 10, 1 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			data := jsLike(uint64(size), size)
			var one bytes.Buffer
			w, err := flate.NewWriter(&one, deflateLevel)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := one.Bytes()
			// The same writer again, having compressed something else.
			w.Reset(io.Discard)
			if _, err := w.Write(jsLike(99, 200<<10)); err != nil {
				t.Fatal(err)
			}
			w.Close()
			for _, chunk := range []int{1 << 30, 1, 1000, 32 << 10, 64<<10 + 3} {
				if chunk == 1 && size > 5000 {
					continue
				}
				var buf bytes.Buffer
				w.Reset(&buf)
				for rest := data; len(rest) > 0; {
					n := min(chunk, len(rest))
					if _, err := w.Write(rest[:n]); err != nil {
						t.Fatal(err)
					}
					rest = rest[n:]
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("writes of %d bytes: %d compressed bytes, differ from one write's %d", chunk, buf.Len(), len(want))
				}
			}
		})
	}
}

// STORE is kept when DEFLATE does not shrink the data.
func TestDeflateStoresWhatItCannotShrink(t *testing.T) {
	t.Parallel()
	random := make([]byte, 10000)
	rand.NewChaCha8([32]byte{1}).Read(random)
	for name, data := range map[string][]byte{"empty": nil, "tiny": []byte("hi"), "random": random} {
		method, _, size, out, err := deflate(data)
		if err != nil || method != methodStore || size != uint64(len(data)) || !bytes.Equal(out, data) {
			t.Errorf("%s: method %d, size %d, %d bytes out, %v; want stored as is", name, method, size, len(out), err)
		}
	}
	if method, _, _, out, _ := deflate(jsLike(1, 10000)); method != methodDeflate || len(out) >= 10000 {
		t.Errorf("text: method %d, %d bytes; want deflated", method, len(out))
	}
}

// A writer that needs a file another goroutine is compressing hands its
// work slot over while it waits, gets the other's bytes, and compresses
// nothing itself; the compressing goroutine keeps its own slot.
func TestWaitingForAFileHandsTheSlotOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.js")
	data := jsLike(3, 1<<20)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCompressor()
	b := c.blobFor(keyOf(path, fi))
	if !b.claim() {
		t.Fatal("the first claim of a file was not the claimer's")
	}
	if c.blobFor(keyOf(path, fi)) != b {
		t.Fatal("a file listed twice got two blobs")
	}
	released := make(chan struct{})
	var reacquired atomic.Bool
	ctx := workslot.With(context.Background(), func() func() {
		close(released)
		return func() { reacquired.Store(true) }
	})
	got := make(chan *blob)
	go func() { got <- c.file(ctx, b, path) }()
	<-released // the waiter handed its slot over before blocking
	if b.claim() {
		t.Fatal("a claimed file was claimed twice")
	}
	c.fill(b, path)
	w := <-got
	if w != b || w.err != nil {
		t.Fatalf("the waiter got %p (err %v), want the claimer's blob %p", w, w.err, b)
	}
	if !reacquired.Load() {
		t.Error("the waiter went on without taking a slot back")
	}
	if w.size != uint64(len(data)) || w.crc != crc(data) {
		t.Errorf("blob: size %d crc %08x, want %d %08x", w.size, w.crc, len(data), crc(data))
	}

	// Once filled, the file is served at once, the slot kept.
	ctx = workslot.With(context.Background(), func() func() {
		t.Error("a filled file was waited for")
		return nil
	})
	if c.file(ctx, b, path) != b {
		t.Error("a filled file was compressed again")
	}
}

// readPooled reads what os.ReadFile reads, whatever buffer the pool hands
// it: one a larger file filled, one too small, or none.
func TestReadPooledReadsWholeFiles(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []int{0, 1, 1000, 64<<10 - 1, 64 << 10, 64<<10 + 1, 300 << 10, 17, maxScratch - 1, maxScratch + 10, 5} {
		path := filepath.Join(dir, fmt.Sprintf("f%d", i))
		want := jsLike(uint64(i), n)
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, release, err := readPooled(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: read %d bytes, not the file's", n, len(got))
		}
		if (release == nil) != (n+1 > maxScratch) {
			t.Errorf("%d bytes: pooled %v, want %v", n, release != nil, n+1 <= maxScratch)
		}
		if release != nil {
			release()
		}
	}
	if _, _, err := readPooled(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
