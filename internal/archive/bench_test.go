package archive

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchFiles writes n JavaScript-like files of about size bytes.
func benchFiles(b *testing.B, n, size int) []Entry {
	b.Helper()
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"function", "return", "const", "require", "module", "exports", "await", "async", "this", "value"}
	var entries []Entry
	for i := range n {
		buf := make([]byte, 0, size)
		for len(buf) < size {
			buf = append(buf, words[rng.IntN(len(words))]...)
			buf = append(buf, ' ')
		}
		p := filepath.Join(dir, fmt.Sprintf("f%04d.js", i))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			b.Fatal(err)
		}
		entries = append(entries, Entry{Name: fmt.Sprintf("node_modules/pkg/f%04d.js", i), Path: p})
	}
	return entries
}

// BenchmarkWriteZipCold compresses every file (first archive of a build).
func BenchmarkWriteZipCold(b *testing.B) {
	entries := benchFiles(b, 200, 8<<10)
	dest := filepath.Join(b.TempDir(), "out.zip")
	b.SetBytes(200 * 8 << 10)
	for b.Loop() {
		if _, err := WriteZip(b.Context(), dest, entries, NewCompressor()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteZipShared reuses compressed contents, as every archive
// after the first that ships the same package does.
func BenchmarkWriteZipShared(b *testing.B) {
	entries := benchFiles(b, 200, 8<<10)
	dest := filepath.Join(b.TempDir(), "out.zip")
	comp := NewCompressor()
	if _, err := WriteZip(b.Context(), dest, entries, comp); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(200 * 8 << 10)
	for b.Loop() {
		if _, err := WriteZip(b.Context(), dest, entries, comp); err != nil {
			b.Fatal(err)
		}
	}
}
