package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/zisi-build/zisi/config"
)

func TestHasGenerated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir  string
		want bool
	}{
		{"", false},
		{".netlify/functions-internal", true},
		{".netlify/v1/functions", true},
		{".netlify/edge-functions", false},
	} {
		site := t.TempDir()
		if tc.dir != "" {
			if err := os.MkdirAll(filepath.Join(site, tc.dir), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if got := hasGenerated(site); got != tc.want {
			t.Errorf("%q: hasGenerated = %v, want %v", tc.dir, got, tc.want)
		}
	}
	site := t.TempDir()
	if err := os.MkdirAll(filepath.Join(site, ".netlify/v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, ".netlify/v1/config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !hasGenerated(site) {
		t.Error("a Frameworks API config.json alone: hasGenerated = false")
	}
}

// TestBuildConfig: the reference's config is Netlify Build's, every
// pattern with the site as includedFilesBasePath and zipGo, and "*"
// always present.
func TestBuildConfig(t *testing.T) {
	t.Parallel()
	c := &config.Config{Patterns: []config.Pattern{
		{Glob: "api", Config: config.FunctionConfig{NodeBundler: config.BundlerEsbuildZisi, IncludedFiles: []string{"a.txt"}}},
	}}
	got, err := buildConfig(c, "/site")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"*":   {"includedFilesBasePath": "/site", "zipGo": true},
		"api": {"includedFilesBasePath": "/site", "zipGo": true, "nodeBundler": "esbuild_zisi", "includedFiles": []any{"a.txt"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("buildConfig = %v, want %v", got, want)
	}
	if got, err := buildConfig(nil, "/site"); err != nil || len(got) != 1 {
		t.Errorf("no configuration: %v, %v", got, err)
	}
}

func TestOnlyKind(t *testing.T) {
	t.Parallel()
	ps := []problem{{kind: "field:routes"}, {kind: "result:routes"}}
	if !onlyKind(ps, "field") {
		t.Error(`"field" does not cover the result fields`)
	}
	if onlyKind(ps, "result") || onlyKind(append(ps, problem{kind: "entries"}), "field") {
		t.Error("a kind covers problems of another kind")
	}
}
