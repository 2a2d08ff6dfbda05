package node

import (
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrefixPathHelpersMatchFilepath: the prefix-test shortcuts answer
// what filepath.Rel and splitting paths answer, for random paths made of
// ordinary, dot, dot-dot, "..." and "a..b" segments, empty segments
// ("//"), trailing slashes, relative paths and "/" itself: isClean, rel,
// parentDir and commonDir (every path), and inBase and below's package path
// (clean paths, as the tracer passes them).
func TestPrefixPathHelpersMatchFilepath(t *testing.T) {
	splitCommon := func(paths []string) string {
		prefix := strings.Split(filepath.Dir(paths[0]), "/")
		for _, p := range paths[1:] {
			parts := strings.Split(filepath.Dir(p), "/")
			n := 0
			for n < len(prefix) && n < len(parts) && prefix[n] == parts[n] {
				n++
			}
			prefix = prefix[:n]
		}
		if dir := strings.Join(prefix, "/"); dir != "" {
			return dir
		}
		return "/"
	}
	segs := []string{"a", "b", "ab", ".", "..", "", "node_modules", "aws-sdk", "...", "a..b"}
	r := rand.New(rand.NewSource(1))
	random := func() string {
		var b strings.Builder
		if r.Intn(8) != 0 {
			b.WriteString("/")
		}
		for i := range r.Intn(5) {
			if i > 0 {
				b.WriteString("/")
			}
			b.WriteString(segs[r.Intn(len(segs))])
		}
		if r.Intn(6) == 0 {
			b.WriteString("/")
		}
		return b.String()
	}
	for range 20000 {
		a, b, c := random(), random(), random()
		if got, want := commonDir([]string{a, b, c}), splitCommon([]string{a, b, c}); got != want {
			t.Fatalf("commonDir(%q, %q, %q) = %q, want %q", a, b, c, got, want)
		}
		for _, p := range []string{a, b, c} {
			if got, want := isClean(p), filepath.IsAbs(p) && filepath.Clean(p) == p; got != want {
				t.Fatalf("isClean(%q) = %v, want %v", p, got, want)
			}
			if got, want := parentDir(p), filepath.Dir(p); got != want {
				t.Fatalf("parentDir(%q) = %q, want %q", p, got, want)
			}
		}
		got, err := rel(a, b)
		want, werr := filepath.Rel(a, b)
		if (err == nil) != (werr == nil) || err == nil && got != filepath.ToSlash(want) {
			t.Fatalf("rel(%q, %q) = %q, %v; filepath.Rel says %q, %v", a, b, got, err, want, werr)
		}
		if !filepath.IsAbs(a) || filepath.Clean(b) != b {
			continue
		}
		tr := &tracer{base: filepath.Clean(a)}
		rb, werr := filepath.Rel(a, b)
		if got, want := tr.inBase(b), werr == nil && rb != ".." && !strings.HasPrefix(rb, "../"); got != want {
			t.Fatalf("inBase(%q) with base %q = %v, want %v", b, a, got, want)
		}
		if rb == "." {
			rb = ""
		}
		if rest, ok := below(tr.base, b); ok && rest != rb {
			t.Fatalf("below(%q) of base %q = %q, want %q", b, a, rest, rb)
		}
	}
}
