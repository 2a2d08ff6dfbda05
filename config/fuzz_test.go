package config

import (
	"errors"
	"testing"
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
