package bundler

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// FindRepositoryRoot is the repository root zisi's CLI gives a site whose
// base directory is dir when --repository-root is not set: the root of the
// workspace or repository dir is in, where a monorepo's node_modules is
// hoisted. Two kinds of folder are looked for at and above dir:
//
//   - a workspace root: a folder holding pnpm-workspace.yaml, or a
//     package.json with a "workspaces" field (npm, Yarn, Bun);
//   - a git root: a folder holding .git, a directory (a repository) or a
//     file (a git worktree or submodule).
//
// The nearest workspace root wins, since that is where the package
// manager hoists the site's packages: a workspace nested in a larger git
// repository gets the workspace, and so does a site checked out as a
// submodule of one (a .git file does not end the search). The search for
// a workspace stops at the first .git directory: a repository never
// belongs to a workspace outside it. Without a workspace root, the
// nearest git root is the answer (what Netlify Build takes); with
// neither, dir itself. dir is made absolute; a folder that cannot be
// read counts as holding nothing.
func FindRepositoryRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	git := ""
	for d := abs; ; d = filepath.Dir(d) {
		if isWorkspaceRoot(d) {
			return d
		}
		if fi, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			if git == "" {
				git = d
			}
			if fi.IsDir() {
				break
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if git != "" {
		return git
	}
	return abs
}

// isWorkspaceRoot says whether dir holds pnpm-workspace.yaml or a
// package.json with a "workspaces" field (an array, or Yarn's object
// with "packages").
func isWorkspaceRoot(dir string) bool {
	if exists(filepath.Join(dir, "pnpm-workspace.yaml")) {
		return true
	}
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return false
	}
	var pkg struct {
		Workspaces json.RawMessage `json:"workspaces"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return false
	}
	return len(pkg.Workspaces) > 0 && string(pkg.Workspaces) != "null"
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
