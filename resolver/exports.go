package resolver

import (
	"path"
	"slices"
	"strings"
)

// Conditions say which package.json conditions a lookup in an exports or
// imports map accepts, and how much it answers. The zero value is Node.js
// require() on a runtime before 22.
type Conditions struct {
	// Mode accepts "require" (Require) or "import" (Import), besides
	// "node" and "default".
	Mode Mode
	// ModuleSync accepts "module-sync", which Node.js 22 and later load
	// for require() and import alike.
	ModuleSync bool
	// AllTargets also answers the "require" (else "default") target beside
	// a "module-sync" one, and honours folder mappings ("./x/": "./y/",
	// removed in Node.js 17). The file tracer wants every file some
	// runtime could load, as @vercel/nft does.
	AllTargets bool
}

func (c Conditions) accepts(key string) bool {
	switch key {
	case "default", "node":
		return true
	case "require":
		return c.Mode == Require
	case "import":
		return c.Mode == Import
	case "module-sync":
		return c.ModuleSync
	}
	return false
}

// Match is the answer of MatchSubpath.
type Match struct {
	// Targets are absolute paths inside the package, in preference
	// order; a bare package name for an imports target that names one.
	Targets []string
	// Excluded: the subpath maps to null (the package hides it).
	Excluded bool
}

// MatchSubpath looks sub ("." or "./x" for exports, "#x" for imports) up
// in a package's exports or imports map, as Node.js's
// PACKAGE_EXPORTS_RESOLVE and PACKAGE_IMPORTS_RESOLVE do: the exact key
// first, then the single-"*" pattern that sorts first by Node's
// PATTERN_KEY_COMPARE (longest prefix, then longest key). Targets that
// would leave the package directory do not match, whatever the file says.
// exists lets an array of targets prefer the first that exists (a
// tolerance bundlers share); nil takes the first valid one, as Node.js.
// It reports false when nothing matches.
func MatchSubpath(pkgDir string, m *Value, sub string, c Conditions, imports bool, exists func(string) bool) (Match, bool) {
	if m == nil {
		return Match{}, false
	}
	members := m.Obj
	switch {
	case imports:
		if m.Kind != Object {
			return Match{}, false
		}
	case m.Kind != Object || !hasDotKeys(m):
		// "exports": "./x.js" and condition objects are sugar for {".": …}.
		members = []Member{{Key: ".", Value: m}}
	}
	t := targeter{pkgDir: pkgDir, c: c, imports: imports, exists: exists}
	for _, mem := range members {
		if mem.Key == sub && !strings.Contains(mem.Key, "*") {
			return t.match(mem.Value, "")
		}
	}
	var patterns []Member
	for _, mem := range members {
		if strings.Count(mem.Key, "*") == 1 {
			patterns = append(patterns, mem)
		}
	}
	slices.SortStableFunc(patterns, func(a, b Member) int {
		pa, pb := strings.Index(a.Key, "*"), strings.Index(b.Key, "*")
		if pa != pb {
			return pb - pa
		}
		return len(b.Key) - len(a.Key)
	})
	for _, mem := range patterns {
		prefix, suffix, _ := strings.Cut(mem.Key, "*")
		if sub != prefix && strings.HasPrefix(sub, prefix) && strings.HasSuffix(sub, suffix) && len(sub) >= len(mem.Key) {
			return t.match(mem.Value, sub[len(prefix):len(sub)-len(suffix)])
		}
	}
	if c.AllTargets {
		var folders []Member
		for _, mem := range members {
			if strings.HasSuffix(mem.Key, "/") && strings.HasPrefix(sub, mem.Key) {
				folders = append(folders, mem)
			}
		}
		slices.SortStableFunc(folders, func(a, b Member) int { return len(b.Key) - len(a.Key) })
		for _, mem := range folders {
			t.folderRest = sub[len(mem.Key):]
			if res, ok := t.match(mem.Value, ""); ok {
				return res, true
			}
		}
	}
	return Match{}, false
}

type targeter struct {
	pkgDir  string
	c       Conditions
	imports bool
	exists  func(string) bool
	// folderRest is the subpath after a folder mapping's key: the target
	// must be a folder ("./y/") and gets it appended.
	folderRest string
}

func (t targeter) match(v *Value, star string) (Match, bool) {
	p, ok := t.target(v, star)
	if !ok {
		return Match{}, false
	}
	if p == "" {
		return Match{Excluded: true}, true
	}
	res := Match{Targets: []string{p}}
	if t.c.AllTargets && t.c.ModuleSync && v.Kind == Object && hasKey(v, "module-sync") {
		fallback := "default"
		if hasKey(v, "require") {
			fallback = "require"
		}
		for _, mem := range v.Obj {
			if mem.Key == fallback {
				if q, ok := t.target(mem.Value, star); ok && q != "" && q != p {
					res.Targets = append(res.Targets, q)
				}
				break
			}
		}
	}
	return res, true
}

// target resolves one target value: ok=false when nothing matched (the
// caller tries the next alternative), ("", true) for an explicit null.
func (t targeter) target(v *Value, star string) (string, bool) {
	switch v.Kind {
	case Null:
		return "", true
	case String:
		if t.folderRest != "" && !strings.HasSuffix(v.Str, "/") {
			return "", false
		}
		s := strings.ReplaceAll(v.Str, "*", star) + t.folderRest
		if !strings.HasPrefix(v.Str, "./") {
			if t.imports && !isRelative(v.Str) {
				return s, true // a bare package name, resolved by the caller
			}
			return "", false
		}
		p := path.Join(t.pkgDir, s)
		if p != t.pkgDir && !strings.HasPrefix(p, t.pkgDir+"/") {
			return "", false // targets may not leave the package
		}
		return p, true
	case Array:
		var first string
		found := false
		for _, item := range v.Arr {
			p, ok := t.target(item, star)
			if !ok {
				continue
			}
			if t.exists == nil || p == "" || !strings.HasPrefix(p, "/") || t.exists(p) {
				return p, true
			}
			if !found {
				first, found = p, true
			}
		}
		return first, found
	case Object:
		for _, mem := range v.Obj {
			if t.c.accepts(mem.Key) {
				if p, ok := t.target(mem.Value, star); ok {
					return p, true
				}
			}
		}
	}
	return "", false
}

func hasDotKeys(v *Value) bool {
	for _, m := range v.Obj {
		if strings.HasPrefix(m.Key, ".") {
			return true
		}
	}
	return false
}

func hasKey(v *Value, k string) bool {
	for _, m := range v.Obj {
		if m.Key == k {
			return true
		}
	}
	return false
}
