package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestJSONFilePath(t *testing.T) {
	for main, want := range map[string]string{
		"/s/.netlify/functions-internal/ssr.mjs":        "/s/.netlify/functions-internal/ssr.json",
		"/s/.netlify/functions-internal/ssr/ssr.js":     "/s/.netlify/functions-internal/ssr/ssr.json",
		"/s/.netlify/functions-internal/a.b/index.mts":  "/s/.netlify/functions-internal/a.b/index.json",
		"/s/.netlify/functions-internal/noext":          "/s/.netlify/functions-internal/noext.json",
		"/s/.netlify/functions-internal/two.dots.ts":    "/s/.netlify/functions-internal/two.dots.json",
		"/s/.netlify/functions-internal/server.test.js": "/s/.netlify/functions-internal/server.test.json",
	} {
		if got := JSONFilePath(main); got != want {
			t.Errorf("JSONFilePath(%q) = %q, want %q", main, got, want)
		}
	}
}

func TestParseJSONFile(t *testing.T) {
	data := `{
  "version": 1,
  "config": {
    "name": "Server handler",
    "generator": "@netlify/plugin-nextjs@5.0.0",
    "nodeBundler": "none",
    "includedFiles": [".next/**", "!.next/cache/**"],
    "nodeModuleFormat": "esm",
    "memory": "2gb",
    "timeout": 26,
    "externalNodeModules": ["sharp"]
  }
}`
	f, err := ParseJSONFile("/site/.netlify/functions-internal/ssr.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Config
	if c.Name != "Server handler" || c.Generator != "@netlify/plugin-nextjs@5.0.0" || c.NodeBundler != BundlerNone ||
		c.Memory != 2048 || c.Timeout != 26 || !slices.Equal(c.IncludedFiles, []string{".next/**", "!.next/cache/**"}) ||
		!slices.Equal(c.ExternalNodeModules, []string{"sharp"}) {
		t.Errorf("config = %+v", c)
	}
	if c.IncludedFilesBasePath != "" {
		t.Errorf("includedFilesBasePath = %q, want unset (the site's base decides)", c.IncludedFilesBasePath)
	}
	// nodeModuleFormat is read when the key table has it; until then it
	// is an unknown key with a warning. Either way the file loads.
	wantPresent := []string{"name", "generator", "nodeBundler", "includedFiles", "memory", "timeout", "externalNodeModules"}
	for _, k := range wantPresent {
		if !slices.Contains(f.Present, k) {
			t.Errorf("present = %q, missing %q", f.Present, k)
		}
	}
}

func TestParseJSONFileNodeBundlerNames(t *testing.T) {
	// The reference's own names, "esbuild" included, are taken as they
	// are: no netlify.toml-style rewrite to esbuild_zisi.
	for _, b := range []string{BundlerEsbuild, BundlerEsbuildZisi, BundlerNft, BundlerZisi, BundlerNone} {
		f, err := ParseJSONFile("/f.json", []byte(`{"version":1,"config":{"nodeBundler":"`+b+`"}}`))
		if err != nil || f.Config.NodeBundler != b {
			t.Errorf("nodeBundler %q: %+v, %v", b, f, err)
		}
	}
}

func TestParseJSONFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		line       int
		key, msg   string
	}{
		{"syntax", "{\n  \"version\": 1,\n  \"config\": {\"name\": \"x\",}\n}", 3, "", "invalid JSON"},
		{"not an object", `[1, 2]`, 0, "", "must be a JSON object"},
		{"no version", `{"config": {}}`, 0, "version", "must be 1"},
		{"version 2", "{\n\"version\": 2}", 2, "version", "must be 1"},
		{"config not object", "{\"version\": 1,\n \"config\": []}", 2, "config", "must be an object"},
		{"bad bundler", "{\"version\": 1, \"config\": {\n\"nodeBundler\": \"webpack\"}}", 2, "config.nodeBundler", `"webpack" is not one of esbuild, esbuild_zisi, nft, zisi, none`},
		{"bad schedule", "{\"version\": 1, \"config\": {\n\n\"schedule\": \"every day\"}}", 3, "config.schedule", "not a cron expression"},
		{"bad timeout", "{\"version\": 1, \"config\": {\"timeout\": -3}}", 1, "config.timeout", "positive whole number"},
		{"bad vcpu", "{\"version\": 1, \"config\": {\"vcpu\": 8}}", 1, "config.vcpu", "between 0.5 and 2"},
		{"bad list", "{\"version\": 1, \"config\": {\"includedFiles\": \"a/**\"}}", 1, "config.includedFiles", "array of strings"},
		{"bad name", "{\"version\": 1, \"config\": {\"name\": 5}}", 1, "config.name", "must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJSONFile("/site/fns/f.json", []byte(tc.data))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ce.File != "/site/fns/f.json" || ce.Line != tc.line || ce.Key != tc.key || !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("err = %+v (%v), want line %d key %q containing %q", ce, err, tc.line, tc.key, tc.msg)
			}
			if !strings.Contains(err.Error(), "/site/fns/f.json") {
				t.Errorf("%v does not name the file", err)
			}
		})
	}
}

func TestParseJSONFileUnknownKeyWarns(t *testing.T) {
	f, err := ParseJSONFile("/f.json", []byte("{\"version\": 1, \"config\": {\n\"externalNodeModule\": [\"a\"]}}"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Line != 2 || !strings.Contains(f.Warnings[0].Msg, `did you mean "externalNodeModules"`) {
		t.Errorf("warnings = %+v", f.Warnings)
	}
}

func TestJSONFileApplyIsShallow(t *testing.T) {
	base := FunctionConfig{
		Name: "from toml", IncludedFiles: []string{"toml/**"}, IncludedFilesBasePath: "/site",
		ExternalNodeModules: []string{"a"}, Timeout: 10, Memory: 1024,
	}
	f, err := ParseJSONFile("/site/.netlify/functions-internal/f.json", []byte(`{"version":1,"config":{"includedFiles":["json/**"],"externalNodeModules":["b"],"vcpu":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Apply(base)
	// Arrays are replaced, not concatenated; untouched keys stay; the
	// file's vcpu replaces the memory/vcpu pair.
	if !slices.Equal(got.IncludedFiles, []string{"json/**"}) || got.IncludedFilesBasePath != "/site" ||
		!slices.Equal(got.ExternalNodeModules, []string{"b"}) || got.Name != "from toml" || got.Timeout != 10 ||
		got.Memory != 0 || got.Vcpu != 1 {
		t.Errorf("Apply = %+v", got)
	}
	var none *JSONFile
	if got := none.Apply(base); got.Name != base.Name {
		t.Errorf("nil Apply changed the config: %+v", got)
	}
}

func TestReadJSONFile(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "f.mjs")
	if f, err := ReadJSONFile(main); f != nil || err != nil {
		t.Errorf("no file: %+v, %v", f, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f.json"), []byte(`{"version":1,"config":{"includedFilesBasePath":"..","generator":"g"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := ReadJSONFile(main)
	if err != nil || f.Config.Generator != "g" || f.Config.IncludedFilesBasePath != filepath.Dir(dir) {
		t.Errorf("ReadJSONFile = %+v, %v", f, err)
	}
}

func TestMemoryAndVcpuPairFromTheMostSpecificPattern(t *testing.T) {
	cfg := &Config{Patterns: []Pattern{
		{Glob: "*", Config: FunctionConfig{Memory: 2048, Timeout: 5}, Order: 0},
		{Glob: "api", Config: FunctionConfig{Vcpu: 1.5}, Order: 1},
		{Glob: "api*", Config: FunctionConfig{Memory: 4096}, Order: 2},
	}}
	for _, tc := range []struct {
		name   string
		memory int
		vcpu   float64
	}{
		{"api", 0, 1.5},     // "api" is the most specific and sets vcpu
		{"api-v2", 4096, 0}, // "api*" beats "*"
		{"other", 2048, 0},  // only "*"
	} {
		for _, got := range []FunctionConfig{cfg.ForFunction(tc.name), cfg.Compile().ForFunction(tc.name)} {
			if got.Memory != tc.memory || got.Vcpu != tc.vcpu || got.Timeout != 5 {
				t.Errorf("%s: memory %d vcpu %v timeout %d, want %d %v 5", tc.name, got.Memory, got.Vcpu, got.Timeout, tc.memory, tc.vcpu)
			}
		}
	}
}

func TestParseJSONFileBuildOnlyKeys(t *testing.T) {
	f, err := ParseJSONFile("/f.json", []byte(`{"version":1,"config":{"rustTargetDirectory":"/site/.netlify/rust-functions-cache/[name]","zipGo":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Config.RustTargetDirectory != "/site/.netlify/rust-functions-cache/[name]" || f.Config.ZipGo == nil || !*f.Config.ZipGo || len(f.Warnings) > 0 {
		t.Errorf("config %+v warnings %v", f.Config, f.Warnings)
	}
	if _, err := ParseJSONFile("/f.json", []byte(`{"version":1,"config":{"zipGo":"yes"}}`)); err == nil {
		t.Error("zipGo: \"yes\" was accepted")
	}
	// Neither is a netlify.toml key nor allowed in-source.
	if _, ok := tomlKey("rustTargetDirectory"); ok {
		t.Error("rustTargetDirectory is a netlify.toml key")
	}
	if _, ok := sourceKey("zipGo"); ok {
		t.Error("zipGo is allowed in-source")
	}
}
