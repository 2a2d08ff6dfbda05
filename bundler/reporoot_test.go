package bundler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/bundler"
)

func TestFindRepositoryRoot(t *testing.T) {
	t.Parallel()
	workspaces := `{"name":"top","private":true,"workspaces":["packages/*"]}`
	tests := []struct {
		name string
		// files maps a path (relative to the temporary folder) to its
		// content; a path ending in "/" is a directory.
		files map[string]string
		site  string
		want  string
	}{
		{"nothing found: the site itself", map[string]string{"a/site/package.json": `{}`}, "a/site", "a/site"},
		{"git directory above", map[string]string{"repo/.git/": "", "repo/site/package.json": `{}`}, "repo/site", "repo"},
		{"git worktree file above", map[string]string{"repo/.git": "gitdir: /elsewhere", "repo/site/x": ""}, "repo/site", "repo"},
		{"npm workspaces", map[string]string{"mono/package.json": workspaces, "mono/packages/site/package.json": `{}`}, "mono/packages/site", "mono"},
		{"yarn workspaces object", map[string]string{"mono/package.json": `{"workspaces":{"packages":["apps/*"]}}`, "mono/apps/site/x": ""}, "mono/apps/site", "mono"},
		{"pnpm workspace", map[string]string{"mono/pnpm-workspace.yaml": "packages:\n  - apps/*\n", "mono/apps/site/x": ""}, "mono/apps/site", "mono"},
		{"package.json without workspaces is no root", map[string]string{"mono/package.json": `{"name":"x"}`, "mono/site/package.json": `{}`}, "mono/site", "mono/site"},
		{"null workspaces is no root", map[string]string{"mono/package.json": `{"workspaces":null}`, "mono/site/x": ""}, "mono/site", "mono/site"},
		{"the site is the workspace root", map[string]string{"mono/package.json": workspaces, "mono/.git/": ""}, "mono", "mono"},
		{"workspace nested in a git repository wins", map[string]string{"repo/.git/": "", "repo/js/package.json": workspaces, "repo/js/site/x": ""}, "repo/js/site", "repo/js"},
		{"submodule of a workspace gets the workspace", map[string]string{"mono/.git/": "", "mono/package.json": workspaces, "mono/packages/site/.git": "gitdir: ../../.git/modules/site"}, "mono/packages/site", "mono"},
		{"a repository ends the search for a workspace", map[string]string{"home/package.json": workspaces, "home/site/.git/": ""}, "home/site", "home/site"},
		{"nearest workspace wins", map[string]string{"a/package.json": workspaces, "a/b/pnpm-workspace.yaml": "packages: []\n", "a/b/site/x": ""}, "a/b/site", "a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			for p, content := range tt.files {
				full := filepath.Join(tmp, filepath.FromSlash(p))
				if p[len(p)-1] == '/' {
					if err := os.MkdirAll(full, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := bundler.FindRepositoryRoot(filepath.Join(tmp, filepath.FromSlash(tt.site)))
			if want := filepath.Join(tmp, filepath.FromSlash(tt.want)); got != want {
				t.Errorf("FindRepositoryRoot(%s) = %s, want %s", tt.site, got, want)
			}
		})
	}
}
