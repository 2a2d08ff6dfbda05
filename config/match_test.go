package config

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, name string
		want          bool
		rule          string
	}{
		{"*", "hello", true, "star matches any name"},
		{"*", ".dotfile", false, "a bare * does not match a leading dot"},
		{".*", ".dotfile", true, "a pattern starting with a literal dot may match a dotfile"},
		{"?dotfile", ".dotfile", false, "? does not match a leading dot"},
		{"[.]dotfile", ".dotfile", false, "a class does not match a leading dot"},
		{".dotfile", ".dotfile", true, "literal patterns compare exactly"},
		{"api-*", "api-users", true, "prefix glob"},
		{"api-*", "API-users", false, "case-sensitive"},
		{"api-*", "api-", true, "star matches the empty rest"},
		{"*-background", "report-background", true, "suffix glob"},
		{"{a,b}-fn", "b-fn", true, "braces expand"},
		{"{a,b}-fn", "c-fn", false, "braces expand to listed options only"},
		{"fn-{1..3}", "fn-2", true, "numeric sequence"},
		{"fn-{1..3}", "fn-4", false, "numeric sequence bound"},
		{"fn-{a..c}", "fn-b", true, "letter sequence"},
		{"{a}", "a", false, "a single-item set stays literal"},
		{"{a}", "{a}", true, "a single-item set stays literal"},
		{"!bar", "foo", true, "negation matches everything else"},
		{"!bar", "bar", false, "negation excludes the pattern"},
		{"!!bar", "bar", true, "double negation"},
		{"#comment", "#comment", false, "a leading # is a comment"},
		{"[a-c]x", "bx", true, "range class"},
		{"[!a-c]x", "bx", false, "negated class"},
		{"[^a-c]x", "dx", true, "caret negation"},
		{"[[:digit:]]*", "1fn", true, "POSIX class"},
		{"@(foo|bar)", "bar", true, "extglob exactly one"},
		{"+(ab)", "ababab", true, "extglob one or more"},
		{"+(ab)", "", false, "extglob one or more needs one"},
		{"a*(b)c", "ac", true, "extglob zero or more"},
		{"a?(b)c", "abbc", false, "extglob zero or one"},
		{"!(foo)", "foo", true, "a leading ! negates even before a paren: not the literal (foo)"},
		{"a!(b)c", "axc", true, "extglob negation"},
		{"a!(b)c", "abc", false, "extglob negation excludes"},
		{"x!(a)b", "xab", false, "minimatch's lookahead covers the tail"},
		{"x!(a)b", "xaab", true, "minimatch's lookahead covers the tail"},
		{"[[:alpha:]]*", "äpfel", true, "POSIX classes are Unicode-aware"},
		{"a/**", "a", false, "a trailing globstar needs a segment"},
		{`\*`, "*", true, "escaped star is literal"},
		{`\*`, "x", false, "escaped star is literal"},
		{"a/*", "a/b", true, "segments"},
		{"**", "x", true, "globstar"},
		{"", "", true, "empty pattern matches only the empty string"},
		{"", "x", false, "empty pattern matches only the empty string"},
		{"[abc", "[abc", true, "an unclosed class is literal"},
	}
	for _, tc := range cases {
		if got := Match(tc.pattern, tc.name); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v (%s)", tc.pattern, tc.name, got, tc.want, tc.rule)
		}
	}
}

func TestExpandBraces(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"a{b,c}d":     {"abd", "acd"},
		"{a,b}{1,2}":  {"a1", "a2", "b1", "b2"},
		"{a,{b,c}}":   {"a", "b", "c"},
		"x{,y}":       {"x", "xy"},
		"{01..03}":    {"01", "02", "03"},
		"{3..1}":      {"3", "2", "1"},
		"{1..7..3}":   {"1", "4", "7"},
		"{a}{b,c}":    {"{a}b", "{a}c"},
		`\{a,b}`:      {`\{a,b}`},
		"${a,b}":      {"${a,b}"},
		"{}{a,b}":     {"{}a", "{}b"},
		"no-braces":   {"no-braces"},
		"{a..c}{1,2}": {"a1", "a2", "b1", "b2", "c1", "c2"},
	}
	for in, want := range cases {
		if got := ExpandBraces(in); !slices.Equal(got, want) {
			t.Errorf("ExpandBraces(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWeight(t *testing.T) {
	t.Parallel()
	// §4.1: len(k) − count('*') − (count('*') > 0 ? 1 : 0).
	for pattern, want := range map[string]int{"*": -1, "net*": 2, "netlify*": 6, "netlify": 7, "**": -1, "a*b*": 1} {
		if got := Weight(pattern); got != want {
			t.Errorf("Weight(%q) = %d, want %d", pattern, got, want)
		}
	}
}

// TestMatchAgreesWithMinimatch runs the reference's own minimatch over a
// grid of patterns and names and requires the same answer for each. It
// needs node and minimatch; .ci/run installs them (ZISI_NODE_TOOLS).
func TestMatchAgreesWithMinimatch(t *testing.T) {
	dir := os.Getenv("ZISI_NODE_TOOLS")
	if dir == "" {
		t.Skip("ZISI_NODE_TOOLS not set (make test sets it up)")
	}
	patterns := []string{
		"*", ".*", "?", "??*", "a*", "*a", "*-background", "api-*", "api-?", "[a-c]*", "[!a-c]*", "[^a]*",
		"{a,b}*", "{api,web}-*", "fn-{1..3}", "fn-{01..03}", "{a}", "{,x}a", "!a*", "!!a*", "!*",
		"@(a|b)", "+(a|b)", "*(a|b)c", "?(a)b", "!(a)", "!(a)*", "!(a)b", "a!(b)c", "x+(y|z)", "#x",
		`\*`, `a\?`, "[[:alpha:]]*", "[[:digit:]]", "*.*", "a.*", "**", "x!(a)b", "a!(b)c", "*!(x)", "[[:upper:]]*", "[[:punct:]]", "[[:space:]]x", "[[:word:]]+", "a/**", "**/a", "[abc", "a]",
		"A*", "*A*", "ä*", "*ü", "*.js", "netlify", "net*", "",
	}
	names := []string{
		"a", "b", "c", "ab", "abc", "ac", "ba", "bc", "aa", "aab", "abab", "x", "xy", "xyz", "xz",
		".a", ".dot", "..", ".", "api-users", "api-", "api-1", "web-x", "fn-1", "fn-2", "fn-4", "fn-01",
		"report-background", "background", "A", "Abc", "äpfel", "müü", "a.b", "a.js", "netlify", "network",
		"*", "?", "{a}", "[abc", "a]", "1", "12", "#x", "a/b",
	}
	// Function names are never empty, so "" is left out of the grid.
	script := `
const {minimatch} = require(process.argv[1] + "/node_modules/minimatch");
const [ps, ns] = JSON.parse(require("fs").readFileSync(0, "utf8"));
for (const p of ps) for (const n of ns) console.log(minimatch(n, p) ? "1" : "0");
`
	input, _ := json.Marshal([2][]string{patterns, names})
	cmd := exec.Command("node", "-e", script, filepath.Clean(dir))
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run minimatch: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	mismatches := 0
	for _, p := range patterns {
		for _, n := range names {
			if !sc.Scan() {
				t.Fatal("minimatch output ended early")
			}
			want := sc.Text() == "1"
			if got := Match(p, n); got != want {
				mismatches++
				t.Errorf("Match(%q, %q) = %v, minimatch says %v", p, n, got, want)
			}
		}
	}
	t.Logf("%d pattern/name pairs compared, %d mismatches", len(patterns)*len(names), mismatches)
}

// Found by FuzzMatch: a repeated extglob whose body matches any length
// took time exponential in the name's length (testdata/fuzz/FuzzMatch).
func TestMatchRepeatedExtglobIsNotExponential(t *testing.T) {
	t.Parallel()
	name := "0" + strings.Repeat("x", 200) + "001"
	if Match("*(*)0", name) {
		t.Errorf("*(*)0 matched %q", name)
	}
	if !Match("*(*)1", name) || !Match("+(0|x)1", name) {
		t.Errorf("repetitions that match %q did not", name)
	}
}
