package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// monorepoSite is a fixture's site inside its workspace (make test-deps
// installs both workspaces at their roots, hoisting the packages).
func monorepoSite(t *testing.T, fixture string) (root, cfg string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("../../fixtures", fixture))
	if err != nil {
		t.Fatal(err)
	}
	return root, filepath.Join(root, "packages", "site", "netlify.toml")
}

// callArchive unzips one archive alone into an empty folder outside the
// repository and calls its function in node: a v1 entry file's handler,
// or a v2 main module's default export with a Request (the main file the
// entry point names). It returns the response body.
func callArchive(t *testing.T, zip string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("unzip", "-q", zip, "-d", dir).CombinedOutput(); err != nil {
		t.Fatalf("unzip %s: %v\n%s", zip, err, out)
	}
	name := strings.TrimSuffix(filepath.Base(zip), ".zip")
	script := `const { createRequire } = require("node:module");
const { pathToFileURL } = require("node:url");
const [dir, name] = process.argv.slice(1);
(async () => {
  const fs = require("node:fs");
  const entry = dir + "/___netlify-entry-point.mjs";
  if (fs.existsSync(entry)) {
    const main = /getLambdaHandler\('\.\/([^']+)'\)/.exec(fs.readFileSync(entry, "utf8"))[1];
    const mod = await import(pathToFileURL(dir + "/" + main).href);
    const res = await mod.default(new Request("https://site.example/"));
    process.stdout.write(await res.text());
  } else {
    const { handler } = createRequire(dir + "/")("./" + name + ".js");
    const res = await handler({ path: "/", httpMethod: "GET", headers: {} }, {});
    process.stdout.write(res.body);
  }
})().catch((e) => { console.error(e); process.exit(1); });`
	cmd := exec.Command("node", "-e", script, dir, name)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("call %s alone in node: %v\n%s", filepath.Base(zip), err, msg)
	}
	return string(out)
}

func archiveEntries(t *testing.T, zip string) []string {
	t.Helper()
	out, err := exec.Command("unzip", "-Z1", zip).Output()
	if err != nil {
		t.Fatalf("list %s: %v", zip, err)
	}
	return strings.Fields(string(out))
}

// TestMonorepoBuild builds the site of an npm and a pnpm workspace whose
// packages are hoisted to the workspace's node_modules, with the
// repository root the CLI finds: every function ships its packages (the
// v2 one used to lose them silently), with archive paths relative to the
// workspace root, and answers when its archive is loaded alone.
func TestMonorepoBuild(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"v1-zisi":      "v1-zisi 1m",
		"v1-zisi-link": "v1-zisi-link hello link, in 2m",
		"v1-esbuild":   "v1-esbuild 1m hello esbuild, in 2m",
		"v2":           "v2 1m hello v2, in 2m",
	}
	for _, tt := range []struct {
		fixture string
		// entries each archive must hold.
		entries map[string][]string
	}{
		{"monorepo-npm", map[string][]string{
			"v1-zisi":      {"node_modules/ms/index.js", "packages/site/netlify/functions/v1-zisi.js", "v1-zisi.js"},
			"v1-zisi-link": {"node_modules/@mono/greet", "packages/greet/index.js", "node_modules/ms/index.js"},
			"v1-esbuild":   {"packages/site/netlify/functions/v1-esbuild.js", "v1-esbuild.js"},
			"v2":           {"node_modules/ms/index.js", "node_modules/@mono/greet", "packages/greet/index.js", "packages/site/netlify/functions/v2.mjs"},
		}},
		{"monorepo-pnpm", map[string][]string{
			"v1-zisi":      {"node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js", "packages/site/node_modules/ms", "packages/site/netlify/functions/v1-zisi.js"},
			"v1-zisi-link": {"packages/site/node_modules/@mono/greet", "packages/greet/index.js", "packages/greet/node_modules/ms"},
			"v1-esbuild":   {"packages/site/netlify/functions/v1-esbuild.js", "v1-esbuild.js"},
			"v2":           {"node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js", "packages/site/node_modules/ms", "packages/greet/index.js", "packages/site/netlify/functions/v2.mjs"},
		}},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			_, cfg := monorepoSite(t, tt.fixture)
			dest := t.TempDir()
			r := run(t, "build", "--config", cfg, dest)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			for name, want := range tt.entries {
				zip := filepath.Join(dest, name+".zip")
				got := archiveEntries(t, zip)
				for _, w := range want {
					if !slices.Contains(got, w) {
						t.Errorf("%s lacks %s; it holds %v", name, w, got)
					}
				}
				if body := callArchive(t, zip); body != bodies[name] {
					t.Errorf("%s answered %q, want %q", name, body, bodies[name])
				}
			}
			if r := run(t, "verify", dest); r.code != 0 {
				t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestMonorepoRepositoryRootFlag: --repository-root overrides the root
// found; set to the site itself, the hoisted packages are outside it, so
// the traced v2 function leaves them out (as the reference does with
// repositoryRoot = basePath) and the zisi bundler refuses to ship them.
// list, files and why take the flag too.
func TestMonorepoRepositoryRootFlag(t *testing.T) {
	t.Parallel()
	root, cfg := monorepoSite(t, "monorepo-npm")
	site := filepath.Dir(cfg)
	ms := filepath.Join(root, "node_modules", "ms", "index.js")

	if r := run(t, "why", "--config", cfg, "v2", "node_modules/ms/index.js"); r.code != 0 || !strings.Contains(r.stdout, `node_modules/ms/index.js ships with "v2"`) {
		t.Errorf("why v2 ms: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "why", "--config", cfg, "--repository-root", site, "v2", "node_modules/ms/index.js"); r.code != 1 || !strings.Contains(r.stdout, "not shipped: outside the repository root") {
		t.Errorf("why v2 ms with the site as root: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "list", "--config", cfg, "--repository-root", site); r.code != 0 || !strings.Contains(r.stdout, "v2") {
		t.Errorf("list with the site as root: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	dest := t.TempDir()
	r := run(t, "build", "--config", cfg, "--repository-root", site, dest)
	if r.code != 1 {
		t.Fatalf("build with the site as root: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if want := regexp.MustCompile(`function "v1-zisi" \(js, zisi\): .*would ship "` + regexp.QuoteMeta(ms) + `".* outside the repository root`); !want.MatchString(r.stderr) {
		t.Errorf("stderr does not refuse the hoisted package:\n%s", r.stderr)
	}

	// The traced v2 function alone lists the hoisted package only with
	// the workspace as its root.
	for _, tc := range []struct {
		root string
		want bool
	}{{"", true}, {site, false}} {
		args := []string{"files", "--config", cfg, "--json"}
		if tc.root != "" {
			args = append(args, "--repository-root", tc.root)
		}
		r := run(t, args...)
		var files []struct{ Name, SrcFile string }
		if err := json.Unmarshal([]byte(r.stdout), &files); r.code != 0 || err != nil {
			t.Fatalf("files: exit %d (%v)\n%s", r.code, err, r.stderr)
		}
		got := slices.ContainsFunc(files, func(f struct{ Name, SrcFile string }) bool { return f.Name == "v2" && f.SrcFile == ms })
		if got != tc.want {
			t.Errorf("files --repository-root %q: v2 lists %s: %v, want %v", tc.root, ms, got, tc.want)
		}
	}

	other := t.TempDir()
	r = run(t, "build", "--config", cfg, "--repository-root", other, t.TempDir())
	if r.code == 0 || !strings.Contains(r.stderr, "does not hold the base path") {
		t.Errorf("a root that does not hold the site: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(other, "manifest.json")); err == nil {
		t.Error("a manifest was written")
	}
}
