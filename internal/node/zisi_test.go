package node

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
)

func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// bundle builds the function at rel in a site made of files.
func bundle(t *testing.T, files map[string]string, rel string, cfg config.FunctionConfig) (*Bundle, string, error) {
	t.Helper()
	root := writeSite(t, files)
	fn := discoverOne(t, filepath.Join(root, rel))
	if cfg.NodeBundler == "" {
		cfg.NodeBundler = "zisi"
	}
	b, err := Build(t.Context(), Input{Function: fn, Config: cfg, Env: NewEnv(root)})
	return b, root, err
}

func shipped(b *Bundle, root string) []string {
	var out []string
	for _, f := range b.SrcFiles {
		rel, _ := filepath.Rel(root, f)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

func pkg(name, version, extra string) map[string]string {
	return map[string]string{
		"node_modules/" + name + "/package.json": `{"name":"` + name + `","version":"` + version + `"` + extra + `}`,
		"node_modules/" + name + "/index.js":     "module.exports = 1;",
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	// A .js file the main file imports: a warning with the location, the
	// file still ships (the reference ignores it silently).
	b, _, err := bundle(t, map[string]string{"f/a.js": "require('./b')", "f/b.js": "exports.handler = () => {\n  let = ;\n};"}, "f/a.js", config.FunctionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0].String(), "b.js:2:") || !strings.Contains(b.Warnings[0].Text, "syntax error") {
		t.Errorf("warnings %v", b.Warnings)
	}
	// The main file itself: the function could never load, so an error.
	_, _, err = bundle(t, map[string]string{"f/a.js": "exports.handler = () => {\n  let = ;\n};"}, "f/a.js", config.FunctionConfig{})
	if se := (*SourceError)(nil); !errors.As(err, &se) || se.Line != 2 {
		t.Errorf("main file: got %v, want a SourceError on line 2", err)
	}
	// .cjs (and TypeScript): an error with the location.
	for _, name := range []string{"f/a.cjs", "f/a.ts"} {
		_, _, err := bundle(t, map[string]string{name: "exports.handler = () => {\n  let = ;\n};"}, name, config.FunctionConfig{})
		var se *SourceError
		if !errors.As(err, &se) || se.Line != 2 || !strings.HasSuffix(se.File, name) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestMissingModules(t *testing.T) {
	t.Parallel()
	_, _, err := bundle(t, map[string]string{
		"package.json": `{"name":"s"}`,
		"f/a.js":       "// header\nconst x = require('not-installed');",
	}, "f/a.js", config.FunctionConfig{})
	var me *MissingModuleError
	if !errors.As(err, &me) || !errors.Is(err, ErrMissingModule) || me.Line != 2 || me.Module != "not-installed" ||
		!strings.Contains(err.Error(), "add it to dependencies in") {
		t.Errorf("top-level: %v", err)
	}
	_, _, err = bundle(t, merge(pkg("parent", "1.2.3", `,"dependencies":{"gone":"1"}`), map[string]string{
		"f/a.js": "require('parent')",
	}), "f/a.js", config.FunctionConfig{})
	if !errors.As(err, &me) || me.Package != "parent@1.2.3" || me.Module != "gone" || !strings.Contains(err.Error(), "run npm install") {
		t.Errorf("nested: %v", err)
	}
	_, _, err = bundle(t, map[string]string{"f/a.js": "require('./nope')"}, "f/a.js", config.FunctionConfig{})
	if !errors.As(err, &me) || me.Module != "./nope" || me.Line != 1 {
		t.Errorf("local: %v", err)
	}
}

func TestOptionalAndExcludedDependencies(t *testing.T) {
	t.Parallel()
	files := merge(
		pkg("lib", "1.0.0", `,"optionalDependencies":{"opt-missing":"1"},"peerDependencies":{"peer-missing":"1","prisma":"5"},"peerDependenciesMeta":{"peer-missing":{"optional":true}},"dependencies":{"@aws-sdk/client-s3":"3","@types/x":"1"}`),
		pkg("aws-sdk", "2.0.0", ""),
		pkg("@aws-sdk/client-s3", "3.0.0", ""),
		map[string]string{
			"package.json": `{"name":"s","optionalDependencies":{"site-optional":"1"}}`,
			"f/a.js":       "require('lib'); require('aws-sdk'); require('site-optional'); require('@types/node'); require('@scope');",
		})
	b, root, err := bundle(t, files, "f/a.js", config.FunctionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := shipped(b, root)
	for _, want := range []string{"node_modules/lib/index.js", "node_modules/aws-sdk/index.js"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s not shipped: %q", want, got)
		}
	}
	if slices.Contains(got, "node_modules/@aws-sdk/client-s3/index.js") {
		t.Error("@aws-sdk/* must be left out on Node.js 18+")
	}
	// Node.js 16: aws-sdk v2 is the runtime's, v3 ships.
	b, root, err = bundle(t, files, "f/a.js", config.FunctionConfig{NodeVersion: "16"})
	if err != nil {
		t.Fatal(err)
	}
	got = shipped(b, root)
	if slices.Contains(got, "node_modules/aws-sdk/index.js") || !slices.Contains(got, "node_modules/@aws-sdk/client-s3/index.js") {
		t.Errorf("node 16: %q", got)
	}
}

func TestPackageRootIgnores(t *testing.T) {
	t.Parallel()
	files := merge(pkg("p", "1.0.0", ""), map[string]string{
		"node_modules/p/index.d.ts":            "",
		"node_modules/p/lib/deep.ts":           "",
		"node_modules/p/x.map":                 "",
		"node_modules/p/lib/x.map":             "",
		"node_modules/p/yarn.lock":             "",
		"node_modules/p/.npmignore":            "",
		"node_modules/p/lib/.npmignore":        "",
		"node_modules/p/.hidden":               "",
		"node_modules/p/node_modules/q/a.js":   "",
		"node_modules/p/lib/node_modules/r.js": "",
		"node_modules/p/.DS_Store":             "",
		"f/a.js":                               "require('p')",
	})
	b, root, err := bundle(t, files, "f/a.js", config.FunctionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := shipped(b, root)
	want := []string{"f/a.js", "node_modules/p/.hidden", "node_modules/p/index.js", "node_modules/p/lib/.npmignore",
		"node_modules/p/lib/deep.ts", "node_modules/p/lib/node_modules/r.js", "node_modules/p/lib/x.map", "node_modules/p/package.json"}
	if !slices.Equal(got, want) {
		t.Errorf("shipped:\n got  %q\n want %q", got, want)
	}
}

func TestInvalidPackageJSONIsNamed(t *testing.T) {
	t.Parallel()
	files := map[string]string{"node_modules/bad/package.json": `{"name": "bad",`, "f/a.js": "require('bad')"}
	_, _, err := bundle(t, files, "f/a.js", config.FunctionConfig{})
	if err == nil || errors.Is(err, ErrMissingModule) || !strings.Contains(err.Error(), "node_modules/bad/package.json:1:15 is invalid JSON") {
		t.Errorf("got %v", err)
	}
}

func TestIncludedFiles(t *testing.T) {
	t.Parallel()
	files := map[string]string{"f/a.js": "", "data/x.json": "{}", "data/.env": "", "data/private/k": "", "other/y": ""}
	b, root, err := bundle(t, files, "f/a.js", config.FunctionConfig{IncludedFiles: []string{"data/**", "!data/private/**"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := shipped(b, root); !slices.Equal(got, []string{"data/.env", "data/x.json", "f/a.js"}) {
		t.Errorf("shipped %q", got)
	}
	for _, bad := range []string{"../outside/**", "data/../../x", "/etc/passwd"} {
		_, _, err := bundle(t, files, "f/a.js", config.FunctionConfig{IncludedFiles: []string{bad}})
		if !errors.Is(err, ErrIncludeOutsideBase) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestImportsFieldAndSelfReference(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"package.json":  `{"name":"site","imports":{"#util":"./lib/util.js"},"exports":{"./shared":"./lib/shared.js"}}`,
		"lib/util.js":   "require('./deep')",
		"lib/deep.js":   "",
		"lib/shared.js": "",
		"f/a.js":        "require('#util'); require('site/shared');",
	}
	b, root, err := bundle(t, files, "f/a.js", config.FunctionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got := shipped(b, root); !slices.Equal(got, []string{"f/a.js", "lib/deep.js", "lib/shared.js", "lib/util.js"}) {
		t.Errorf("shipped %q", got)
	}
}
