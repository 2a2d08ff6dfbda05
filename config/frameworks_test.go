package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

func TestLoadFrameworksConfig(t *testing.T) {
	site := t.TempDir()
	if f, err := LoadFrameworksConfig(site); f != nil || err != nil {
		t.Fatalf("no file: %+v, %v", f, err)
	}
	testfs.Write(t, site, map[string]string{
		".netlify/v1/config.json": `{
  "functions": {
    "*": {"included_files": ["fw/**"], "node_bundler": "esbuild"},
    "ssr": {"external_node_modules": ["sharp"], "timeout": 30}
  },
  "redirects": [{"from": "/a", "to": "/b"}]
}`,
		// The legacy file is read only when the current one is missing.
		".netlify/deploy/v1/config.json": `{"functions": {"legacy": {"timeout": 1}}}`,
	})
	f, err := LoadFrameworksConfig(site)
	if err != nil {
		t.Fatal(err)
	}
	star := f.Functions.ForFunction("other")
	if !slices.Equal(star.IncludedFiles, []string{"fw/**"}) || star.IncludedFilesBasePath != site || star.NodeBundler != BundlerEsbuildZisi {
		t.Errorf("* = %+v", star)
	}
	ssr := f.Functions.ForFunction("ssr")
	if ssr.Timeout != 30 || !slices.Equal(ssr.ExternalNodeModules, []string{"sharp"}) {
		t.Errorf("ssr = %+v", ssr)
	}
	if f.Functions.ForFunction("legacy").Timeout != 0 {
		t.Error("the legacy file was read beside the current one")
	}

	legacy := t.TempDir()
	testfs.Write(t, legacy, map[string]string{".netlify/deploy/v1/config.json": `{"functions": {"legacy": {"timeout": 1}}}`})
	if f, err := LoadFrameworksConfig(legacy); err != nil || f.Functions.ForFunction("legacy").Timeout != 1 {
		t.Errorf("legacy: %+v, %v", f, err)
	}

	bad := t.TempDir()
	testfs.Write(t, bad, map[string]string{".netlify/v1/config.json": "{\"functions\": {\n  \"*\": {\"node_bundler\": \"webpack\"}}}"})
	_, err = LoadFrameworksConfig(bad)
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.HasSuffix(ce.File, filepath.Join(".netlify", "v1", "config.json")) || !strings.Contains(ce.Msg, "webpack") {
		t.Errorf("bad value: %v", err)
	}
}

func TestMergeFrameworks(t *testing.T) {
	fw := &File{FunctionsDirectory: "/site/fw-fns", Functions: Config{Patterns: []Pattern{
		{Glob: "*", Config: FunctionConfig{IncludedFiles: []string{"fw/**"}, Timeout: 10, NodeBundler: BundlerNft}},
		{Glob: "ssr", Config: FunctionConfig{Timeout: 30}},
	}}}
	user := &File{Path: "/site/netlify.toml", Functions: Config{Patterns: []Pattern{
		{Glob: "*", Config: FunctionConfig{IncludedFiles: []string{"user/**"}, Timeout: 20}},
		{Glob: "api", Config: FunctionConfig{Name: "API"}},
	}}}
	m := MergeFrameworks(fw, user)
	if m.FunctionsDirectory != "/site/fw-fns" || m.Path != "/site/netlify.toml" {
		t.Errorf("merged file: directory %q path %q", m.FunctionsDirectory, m.Path)
	}
	star := m.Functions.ForFunction("x")
	// The user's scalars win; lists concatenate, the framework's first.
	if star.Timeout != 20 || star.NodeBundler != BundlerNft || !slices.Equal(star.IncludedFiles, []string{"fw/**", "user/**"}) {
		t.Errorf("* = %+v", star)
	}
	if m.Functions.ForFunction("ssr").Timeout != 30 || m.Functions.ForFunction("api").Name != "API" {
		t.Errorf("ssr/api: %+v %+v", m.Functions.ForFunction("ssr"), m.Functions.ForFunction("api"))
	}
	user.FunctionsDirectory = "/site/mine"
	if MergeFrameworks(fw, user).FunctionsDirectory != "/site/mine" {
		t.Error("the user's functions directory did not win")
	}
	if MergeFrameworks(nil, user) != user || MergeFrameworks(fw, nil) != fw || MergeFrameworks(nil, nil) != nil {
		t.Error("a nil side is not the other side")
	}
}
