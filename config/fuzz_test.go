package config

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzParse: any input gives a *config.Error or a usable File, never a
// panic.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"[functions]\ndirectory = \"fns\"\nnode_bundler = \"esbuild\"\n",
		"[functions.\"api-*\"]\nincluded_files = [\"a/**\", \"!a/b\"]\ntimeout = 5\n",
		"[functions]\nmemory = \"2gb\"\n[functions.schedule]\nschedule = \"@daily\"\n",
		"[build]\nfunctions = \"x\"\n",
		"functions = { a = { name = \"x\" } }",
		"[functions\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		file, err := Parse("/site/netlify.toml", []byte(data))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, p := range file.Functions.Patterns {
			file.Functions.ForFunction(p.Glob)
		}
	})
}

// FuzzMatch: glob matching never panics and agrees with its negation.
func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{{"*", "a"}, {"{a,b}*", "b1"}, {"!(x)", "y"}, {"+(a|b)", "ab"}, {"[[:alpha:]]", "x"}, {"a/**", "a/b"}, {"{1..9..2}", "3"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 64 || len(name) > 64 {
			return // bound backtracking; real patterns and names are short
		}
		got := Match(pattern, name)
		if pattern != "" && pattern[0] != '#' && pattern[0] != '!' && Match("!"+pattern, name) == got {
			t.Fatalf("Match(%q) and Match(%q) agree on %q", pattern, "!"+pattern, name)
		}
	})
}

// maxBraceAlloc bounds what one expansion may allocate in FuzzExpandBraces:
// each level of literal braces copies up to maxBraceExpansions patterns,
// so 64 levels of them around a capped set cost about 100 MB (measured:
// 66 MB at 170 bytes); a product built before the cap costs gigabytes.
const maxBraceAlloc = 256 << 20

// braceTimeout bounds one expansion in FuzzExpandBraces; the slowest
// patterns found take a quarter of a second on a loaded machine.
const braceTimeout = 3 * time.Second

// FuzzExpandBraces: brace expansion of any pattern up to 256 bytes never
// panics, ends within braceTimeout (a watchdog crashes the process past
// it, so a runaway expansion cannot eat the machine's memory first),
// allocates at most maxBraceAlloc and returns between 1 and
// maxBraceExpansions patterns. Where no sequence can be
// expanded (no ".." in the pattern), expansion only takes characters away
// and takes braces away only in matched pairs: every result is a
// subsequence of the pattern with the same count of unescaped '{' minus
// unescaped '}' (a backslash escapes the byte after it, as in
// ExpandBraces). A pattern without an unescaped '{' is its only
// expansion.
func FuzzExpandBraces(f *testing.F) {
	for _, seed := range []string{
		"a{b,c}d", "{1..3}", "{a..c}", "{01..10..3}", "{-5..5}", "{z..a..2}", "{a..~}",
		"{}{a,b}", "${a,b}", `\{a,b}`, `{a\,b,c}`, "{{a,b}}", "{a,{b,{c,d}}}", "{a}", "{,}",
		strings.Repeat("{a,b}", 14), "{1..999999999}", "{1..9}{1..9}{1..9}{1..9}{1..9}",
		"{" + strings.Repeat("{a,b}", 9) + "}" + strings.Repeat("{a,b}", 9),
		// A literal pair's body times what follows: was built whole
		// before the cap (gigabytes at 13).
		"{" + strings.Repeat("{a,b}", 13) + "}" + strings.Repeat("{a,b}", 13),
		strings.Repeat("{,", 70) + strings.Repeat("}", 70),
		"src/{api,lib}/**/*.{js,ts}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		if len(pattern) > 256 {
			return
		}
		watchdog := time.AfterFunc(braceTimeout, func() {
			panic(fmt.Sprintf("ExpandBraces(%q) still running after %s", pattern, braceTimeout))
		})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out := ExpandBraces(pattern)
		runtime.ReadMemStats(&after)
		watchdog.Stop()
		if n := after.TotalAlloc - before.TotalAlloc; n > maxBraceAlloc {
			t.Fatalf("ExpandBraces(%q) allocated %d MB for %d patterns, over %d MB", pattern, n>>20, len(out), maxBraceAlloc>>20)
		}
		if len(out) == 0 || len(out) > maxBraceExpansions {
			t.Fatalf("ExpandBraces(%q): %d patterns, want 1 to %d", pattern, len(out), maxBraceExpansions)
		}
		if !hasUnescapedOpen(pattern) && (len(out) != 1 || out[0] != pattern) {
			t.Fatalf("ExpandBraces(%q) = %q, want the pattern itself", pattern, out)
		}
		if strings.Contains(pattern, "..") {
			return // sequences make characters of their own ({a..~} has braces)
		}
		want := braceDelta(pattern)
		for _, r := range out {
			if !isSubsequence(r, pattern) {
				t.Fatalf("ExpandBraces(%q) gives %q, which is not made of the pattern's characters in order", pattern, r)
			}
			if got := braceDelta(r); got != want {
				t.Fatalf("ExpandBraces(%q) gives %q: unescaped '{' minus '}' is %d, want %d (a brace of a set was dropped without its pair)", pattern, r, got, want)
			}
		}
	})
}

// braceDelta counts unescaped '{' minus unescaped '}'.
func braceDelta(s string) int {
	d := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			d++
		case '}':
			d--
		}
	}
	return d
}

func hasUnescapedOpen(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			return true
		}
	}
	return false
}

func isSubsequence(sub, s string) bool {
	j := 0
	for i := 0; i < len(s) && j < len(sub); i++ {
		if s[i] == sub[j] {
			j++
		}
	}
	return j == len(sub)
}
