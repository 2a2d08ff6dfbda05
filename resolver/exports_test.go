package resolver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestMatchSubpath states the matcher both bundlers use, in the cases
// where the tracer's old copy was wrong (pattern order, a "*" inside the
// key, targets leaving the package) and in the tracer's extras.
func TestMatchSubpath(t *testing.T) {
	t.Parallel()
	const dir = "/s/node_modules/p"
	node22 := Conditions{Mode: Require, ModuleSync: true, AllTargets: true}
	cases := []struct {
		name, json, sub string
		c               Conditions
		imports         bool
		want            []string // nil: no match; [] (empty): excluded
	}{
		{"sugar string", `"./a.js"`, ".", Conditions{}, false, []string{dir + "/a.js"}},
		{"sugar conditions", `{"import":"./a.mjs","require":"./a.js"}`, ".", Conditions{Mode: Import}, false, []string{dir + "/a.mjs"}},
		{"longest prefix wins over longer key", `{"./*":"./any/*.js","./lib/*":"./lib/*.js","./lib/x/*.js":"./deep/*.js"}`, "./lib/x/y.js", Conditions{}, false, []string{dir + "/deep/y.js"}},
		{"star inside the key", `{"./features/*.js":"./src/*.js"}`, "./features/a.js", Conditions{}, false, []string{dir + "/src/a.js"}},
		{"star needs the suffix", `{"./features/*.js":"./src/*.js"}`, "./features/a.mjs", Conditions{}, false, nil},
		{"exact beats pattern", `{"./a":"./exact.js","./*":"./star/*.js"}`, "./a", Conditions{}, false, []string{dir + "/exact.js"}},
		{"null excludes", `{"./*":"./*.js","./private/*":null}`, "./private/x", Conditions{}, false, []string{}},
		{"escape refused", `{".":"../../etc/passwd"}`, ".", Conditions{}, false, nil},
		{"escape through star refused", `{"./*":"./*"}`, "./../../x", Conditions{}, false, nil},
		{"module-sync off before 22", `{"module-sync":"./sync.mjs","require":"./a.cjs"}`, ".", Conditions{}, false, []string{dir + "/a.cjs"}},
		{"module-sync and its fallback", `{"module-sync":"./sync.mjs","require":"./a.cjs"}`, ".", node22, false, []string{dir + "/sync.mjs", dir + "/a.cjs"}},
		{"folder mapping for the tracer only", `{"./lib/":"./src/"}`, "./lib/x.js", node22, false, []string{dir + "/src/x.js"}},
		{"no folder mapping for Node", `{"./lib/":"./src/"}`, "./lib/x.js", Conditions{}, false, nil},
		{"imports to a package", `{"#dep":"other-pkg"}`, "#dep", Conditions{}, true, []string{"other-pkg"}},
		{"imports need an object", `"./a.js"`, "#a", Conditions{}, true, nil},
	}
	for _, tc := range cases {
		v, err := decodeValue(json.NewDecoder(strings.NewReader(tc.json)), 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		m, ok := MatchSubpath(dir, v, tc.sub, tc.c, tc.imports, nil)
		switch {
		case tc.want == nil && ok:
			t.Errorf("%s: matched %+v, want no match", tc.name, m)
		case tc.want != nil && !ok:
			t.Errorf("%s: no match, want %q", tc.name, tc.want)
		case tc.want != nil && len(tc.want) == 0 && !m.Excluded:
			t.Errorf("%s: %+v, want excluded", tc.name, m)
		case len(tc.want) > 0 && !slices.Equal(m.Targets, tc.want):
			t.Errorf("%s: %q, want %q", tc.name, m.Targets, tc.want)
		}
	}
}

// TestMatchSubpathPrefersExisting: with an exists check, an array of
// targets takes the first that exists, else the first valid one.
func TestMatchSubpathPrefersExisting(t *testing.T) {
	t.Parallel()
	v, _ := decodeValue(json.NewDecoder(strings.NewReader(`{".":["./missing.js","./there.js"]}`)), 0)
	exists := func(p string) bool { return p == "/p/there.js" }
	if m, _ := MatchSubpath("/p", v, ".", Conditions{}, false, exists); !slices.Equal(m.Targets, []string{"/p/there.js"}) {
		t.Errorf("with exists: %q", m.Targets)
	}
	if m, _ := MatchSubpath("/p", v, ".", Conditions{}, false, nil); !slices.Equal(m.Targets, []string{"/p/missing.js"}) {
		t.Errorf("without: %q", m.Targets)
	}
}
