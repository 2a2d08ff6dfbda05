package archive

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
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
