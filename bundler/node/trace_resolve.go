package node

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/resolver"
)

// resolve finds what a specifier loads the way the file tracer must: like
// Node.js, but answering every file a package could load. For a package
// with an exports map that is both the exports target and, when
// different, the legacy main file (older runtimes and bundlers load it),
// as @vercel/nft does with exportsOnly off. package.json files consulted
// to get there are shipped too.
func (t *tracer) resolve(spec, parent string, cjs bool) ([]string, error) {
	switch {
	case filepath.IsAbs(spec) || spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../"):
		p := filepath.Join(filepath.Dir(parent), spec)
		if strings.HasSuffix(spec, "/") {
			p += "/"
		}
		if r := t.resolveFileOrDir(p, parent); r != "" {
			return []string{r}, nil
		}
		return nil, t.notFound(spec, parent)
	case strings.HasPrefix(spec, "#"):
		return t.resolveImports(spec, parent, cjs)
	}
	return t.resolvePackage(spec, parent, cjs)
}

func (t *tracer) notFound(spec, parent string) error {
	return &resolver.NotFoundError{Specifier: spec, From: filepath.Dir(parent)}
}

func (t *tracer) resolveFileOrDir(p, parent string) string {
	if r := t.resolveFile(p); r != "" {
		return r
	}
	return t.resolveDir(p, parent)
}

// resolveFile tries p, then (for the site's own files) p.ts and p.tsx,
// then p.js, p.json and p.node.
func (t *tracer) resolveFile(p string) string {
	if strings.HasSuffix(p, "/") {
		return ""
	}
	r := t.env.Resolver
	if r.IsFile(p) {
		return p
	}
	if t.inBase(p) && !strings.Contains(p, "/node_modules/") {
		for _, ext := range []string{".ts", ".tsx"} {
			if r.IsFile(p + ext) {
				return p + ext
			}
		}
	}
	for _, ext := range []string{".js", ".json", ".node"} {
		if r.IsFile(p + ext) {
			return p + ext
		}
	}
	return ""
}

// resolveDir loads a directory: its package.json main (shipping that
// package.json), else index.
func (t *tracer) resolveDir(p, parent string) string {
	p = strings.TrimSuffix(p, "/")
	if !t.env.Resolver.IsDir(p) {
		return ""
	}
	if j := t.pkgJSON(p); j != nil && j.Main != "" {
		main := filepath.Join(p, j.Main)
		r := t.resolveFile(main)
		if r == "" {
			r = t.resolveFile(filepath.Join(main, "index"))
		}
		if r != "" {
			t.emitFile(filepath.Join(p, "package.json"), parent)
			return r
		}
	}
	return t.resolveFile(filepath.Join(p, "index"))
}

func (t *tracer) pkgJSON(dir string) *resolver.PackageJSON {
	j, err := t.env.Resolver.PackageJSON(dir)
	if err != nil {
		return nil
	}
	return j
}

// resolvePackage looks the package up in each node_modules above the
// importer, after a self-reference through the importer's own package.
func (t *tracer) resolvePackage(spec, parent string, cjs bool) ([]string, error) {
	name, _ := resolver.SplitPackage(spec)
	if name == "" {
		return nil, t.notFound(spec, parent)
	}
	sub := "." + strings.TrimPrefix(spec, name)
	var self []string
	if b := t.pjsonBoundary(parent); b != "" {
		if j := t.pkgJSON(b); j != nil && j.Name == name && j.Exports != nil && j.Exports.Kind != resolver.Null {
			var err error
			self, err = t.exportsImports(b, j.Exports, sub, false, cjs)
			if err != nil {
				return nil, err
			}
			if self != nil {
				t.emitFile(filepath.Join(b, "package.json"), parent)
			}
		}
	}
	dir := parent
	for {
		i := strings.LastIndex(dir, "/")
		if i <= 0 {
			break
		}
		dir = dir[:i]
		nm := dir + "/node_modules"
		if !t.env.Resolver.IsDir(nm) {
			continue
		}
		pkgDir := filepath.Join(nm, name)
		j := t.pkgJSON(pkgDir)
		if j != nil && j.Exports != nil && j.Exports.Kind != resolver.Null && self == nil {
			legacy := t.resolveFileOrDir(filepath.Join(nm, spec), parent)
			resolved, err := t.exportsImports(pkgDir, j.Exports, sub, false, cjs)
			if err != nil {
				return nil, err
			}
			if resolved != nil {
				t.emitFile(filepath.Join(pkgDir, "package.json"), parent)
				if legacy != "" && !slices.Contains(resolved, legacy) {
					resolved = append(resolved, legacy)
				}
				return resolved, nil
			}
			if legacy != "" {
				return []string{legacy}, nil
			}
			continue
		}
		if r := t.resolveFileOrDir(filepath.Join(nm, spec), parent); r != "" {
			if len(self) > 0 && !slices.Contains(self, r) {
				return append([]string{r}, self...), nil
			}
			if len(self) > 0 {
				return self, nil
			}
			return []string{r}, nil
		}
	}
	if self != nil {
		return self, nil
	}
	return nil, t.notFound(spec, parent)
}

// resolveImports resolves a `#name` through the importer's package
// imports map.
func (t *tracer) resolveImports(spec, parent string, cjs bool) ([]string, error) {
	if spec != "#" && !strings.HasPrefix(spec, "#/") {
		if b := t.pjsonBoundary(parent); b != "" {
			if j := t.pkgJSON(b); j != nil && j.Imports != nil && j.Imports.Kind != resolver.Null {
				r, err := t.exportsImports(b, j.Imports, spec, true, cjs)
				if err != nil {
					return nil, err
				}
				if r != nil {
					t.emitFile(filepath.Join(b, "package.json"), parent)
					return r, nil
				}
			}
		}
	}
	return nil, t.notFound(spec, parent)
}

// exportsImports matches a subpath against an exports or imports map:
// the exact key first, then patterns (`./x/*`) and folder mappings
// (`./x/`), longest first. Conditions are node, default, require or
// import by the importer's kind, and module-sync for Node.js 22 and
// later, where require() of that target also keeps the require/default
// fallback. A target that does not exist is an error, as in Node.js.
func (t *tracer) exportsImports(pkgDir string, v *resolver.Value, sub string, imports, cjs bool) ([]string, error) {
	var members []resolver.Member
	switch {
	case imports:
		if v.Kind != resolver.Object {
			return nil, nil
		}
		members = v.Obj
	case v.Kind != resolver.Object || (len(v.Obj) > 0 && !strings.HasPrefix(v.Obj[0].Key, ".")):
		members = []resolver.Member{{Key: ".", Value: v}}
	default:
		members = v.Obj
	}
	lookup := func(k string) *resolver.Value {
		for _, m := range members {
			if m.Key == k {
				return m.Value
			}
		}
		return nil
	}
	if target := lookup(sub); target != nil {
		if s, ok := t.exportsTarget(target, cjs); ok && strings.HasPrefix(s, "./") {
			paths := []string{pkgDir + s[1:]}
			if target.Kind == resolver.Object && t.moduleSync() && hasKey(target, "module-sync") {
				fb := "default"
				if hasKey(target, "require") {
					fb = "require"
				}
				for _, m := range target.Obj {
					if m.Key != fb {
						continue
					}
					if s2, ok := t.exportsTarget(m.Value, cjs); ok && strings.HasPrefix(s2, "./") && pkgDir+s2[1:] != paths[0] {
						paths = append(paths, pkgDir+s2[1:])
					}
					break
				}
			}
			return t.validate(paths, cjs, pkgDir)
		}
	}
	keys := make([]string, 0, len(members))
	for _, m := range members {
		keys = append(keys, m.Key)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, k := range keys {
		if strings.HasSuffix(k, "*") && strings.HasPrefix(sub, k[:len(k)-1]) {
			if s, ok := t.exportsTarget(lookup(k), cjs); ok && strings.HasPrefix(s, "./") {
				p := pkgDir + strings.ReplaceAll(s[1:], "*", sub[len(k)-1:])
				return t.validate([]string{p}, cjs, pkgDir)
			}
		}
		if !strings.HasSuffix(k, "/") || !strings.HasPrefix(sub, k) {
			continue
		}
		if s, ok := t.exportsTarget(lookup(k), cjs); ok && strings.HasSuffix(s, "/") && strings.HasPrefix(s, "./") {
			return t.validate([]string{pkgDir + s[1:] + sub[len(k):]}, cjs, pkgDir)
		}
	}
	return nil, nil
}

func hasKey(v *resolver.Value, k string) bool {
	for _, m := range v.Obj {
		if m.Key == k {
			return true
		}
	}
	return false
}

// moduleSync reports whether the target runtime loads "module-sync"
// exports (Node.js 22 and later). The reference decides by the Node.js
// running the build; zisi by the function's runtime.
func (t *tracer) moduleSync() bool { return t.nodeMajor >= 22 }

// exportsTarget picks a target from a conditions value; ok is false when
// nothing matches (a null target matches and yields "").
func (t *tracer) exportsTarget(v *resolver.Value, cjs bool) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Kind {
	case resolver.String:
		return v.Str, true
	case resolver.Null:
		return "", true
	case resolver.Array:
		for _, item := range v.Arr {
			if s, ok := t.exportsTarget(item, cjs); ok && (item.Kind == resolver.Null || strings.HasPrefix(s, "./")) {
				return s, true
			}
		}
	case resolver.Object:
		for _, m := range v.Obj {
			k := m.Key
			if k == "default" || k == "node" || (k == "require" && cjs) || (k == "import" && !cjs) || (k == "module-sync" && t.moduleSync()) {
				if s, ok := t.exportsTarget(m.Value, cjs); ok {
					return s, true
				}
			}
		}
	}
	return "", false
}

// validate checks exports targets exist: CommonJS importers get Node's
// file and directory lookup, ESM ones need the exact file.
func (t *tracer) validate(paths []string, cjs bool, pkgDir string) ([]string, error) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		p = filepath.Clean(p)
		if cjs {
			r := t.resolveFileOrDir(p, pkgDir)
			if r == "" {
				return nil, &resolver.NotFoundError{Specifier: p, From: pkgDir}
			}
			out = append(out, r)
			continue
		}
		if !t.env.Resolver.IsFile(p) {
			return nil, &resolver.NotFoundError{Specifier: p, From: pkgDir}
		}
		out = append(out, p)
	}
	return out, nil
}
