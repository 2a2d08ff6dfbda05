package resolver

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzExports resolves subpaths of a package whose package.json (exports,
// imports, main) is fuzzed. Whatever the file says, Resolve must return a
// file inside the package or an error (a package.json error or
// ErrNotFound), never panic, loop, or escape the package folder.
func FuzzExports(f *testing.F) {
	seeds := []struct{ pkg, spec string }{
		{`{"name":"p","exports":"./a.js"}`, "p"},
		{`{"name":"p","exports":{".":{"import":"./a.mjs","require":"./a.js"},"./sub/*":"./lib/*.js"}}`, "p/sub/x"},
		{`{"name":"p","exports":{"./*":["./lib/*.js","./a.js"],"./x":null}}`, "p/x"},
		{`{"name":"p","exports":{"./a/*/b/*":"./a.js"}}`, "p/a/1/b/2"},
		{`{"name":"p","exports":{".":"../../../etc/passwd"}}`, "p"},
		{`{"name":"p","exports":{".":"./*/../../x"}}`, "p"},
		{`{"name":"p","imports":{"#x":"./a.js","#y/*":"p/*"},"exports":{"./*":"./*"}}`, "#x"},
		{`{"name":"p","main":"../../outside.js"}`, "p"},
		{`{"name":"p","exports":{"node":{"node":{"default":"./a.js"}}}}`, "p"},
		{`[1,2,{"exports":`, "p/a.js"},
		{`{"name":"p"}`, "p/../../outside.js"},
	}
	for _, s := range seeds {
		f.Add(s.pkg, s.spec, false)
	}
	f.Fuzz(func(t *testing.T, pkgJSON, spec string, esm bool) {
		if len(pkgJSON) > 4096 || len(spec) > 256 {
			return
		}
		fsys := fstest.MapFS{
			"site/fn/index.js":                            {Data: []byte("")},
			"site/outside.js":                             {Data: []byte("")},
			"site/node_modules/p/package.json":            {Data: []byte(pkgJSON)},
			"site/node_modules/p/a.js":                    {Data: []byte("")},
			"site/node_modules/p/a.mjs":                   {Data: []byte("")},
			"site/node_modules/p/lib/x.js":                {Data: []byte("")},
			"site/node_modules/p/lib/sub/y.js":            {Data: []byte("")},
			"site/node_modules/p/node_modules/q/index.js": {Data: []byte("")},
		}
		mode := Require
		if esm {
			mode = Import
		}
		res, err := New(fsys).Resolve(spec, "/site/fn", mode)
		if err != nil {
			var nf *NotFoundError
			if errors.As(err, &nf) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("NotFoundError that is not ErrNotFound: %v", err)
			}
			return
		}
		if res.Builtin != "" {
			return
		}
		if !strings.HasPrefix(res.Path, "/site/") {
			t.Fatalf("Resolve(%q) = %q: outside the site", spec, res.Path)
		}
		// exports targets may not leave the package; a legacy main and a
		// subpath with .. segments may (Node joins them to the package
		// folder as they are).
		pkg, _ := ParsePackageJSON("/site/node_modules/p/package.json", []byte(pkgJSON))
		legacyMain := pkg != nil && pkg.Exports == nil && pkg.Main != ""
		if (strings.HasPrefix(spec, "p/") || spec == "p") && !legacyMain && !strings.Contains(spec, "..") {
			if !strings.HasPrefix(res.Path, "/site/node_modules/p/") {
				t.Fatalf("Resolve(%q) = %q with package.json %s: outside the package", spec, res.Path, pkgJSON)
			}
		}
		// The tracer's use of the one matcher (every condition a runtime
		// could take, folder mappings) must stay inside the package too.
		if pkg == nil {
			return
		}
		sub, imports := "."+strings.TrimPrefix(spec, "p"), false
		if strings.HasPrefix(spec, "#") {
			sub, imports = spec, true
		}
		for _, m := range []*Value{pkg.Exports, pkg.Imports} {
			match, ok := MatchSubpath("/site/node_modules/p", m, sub, Conditions{Mode: mode, ModuleSync: true, AllTargets: true}, imports, nil)
			if !ok {
				continue
			}
			for _, target := range match.Targets {
				if strings.HasPrefix(target, "/") && target != "/site/node_modules/p" && !strings.HasPrefix(target, "/site/node_modules/p/") {
					t.Fatalf("MatchSubpath(%q) = %q with package.json %s: outside the package", sub, target, pkgJSON)
				}
			}
		}
	})
}
