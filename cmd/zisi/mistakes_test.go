package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"biuld"}, `zisi: unknown command "biuld"; did you mean "build"?`},
		{[]string{"lsit"}, `zisi: unknown command "lsit"; did you mean "list"?`},
		{[]string{"help", "verfy"}, `zisi: unknown command "verfy"; did you mean "verify"?`},
		{[]string{"build", "--paralel", "2", "src", "out"}, "zisi: flag provided but not defined: -paralel; did you mean --parallel?"},
		// After the positionals, the unknown flag is still reported,
		// not taken for a source folder.
		{[]string{"build", "src", "out", "--paralel", "2"}, "zisi: flag provided but not defined: -paralel; did you mean --parallel?"},
		{[]string{"list", "--jsn"}, "zisi: flag provided but not defined: -jsn; did you mean --json?"},
		{[]string{"verify", "--invok", "out"}, "zisi: flag provided but not defined: -invok; did you mean --invoke?"},
		{[]string{"--hlep"}, "zisi: flag provided but not defined: -hlep; did you mean --help?"},
	} {
		r := run(t, tc.args...)
		if r.code != exitUsage || !strings.HasPrefix(r.stderr, tc.want+"\n") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// A command's usage error points to its help.
	if r := run(t, "build", "--paralel", "2", "out"); !strings.HasSuffix(r.stderr, "\nRun 'zisi help build' for usage.\n") {
		t.Errorf("stderr %q lacks the pointer to zisi help build", r.stderr)
	}
	if r := run(t, "biuld"); !strings.HasSuffix(r.stderr, "\nRun 'zisi --help' for usage.\n") {
		t.Errorf("stderr %q lacks the pointer to zisi --help", r.stderr)
	}
	// Nothing near enough: no guess.
	for _, args := range [][]string{{"deploy"}, {"build", "--frobnicate", "out"}} {
		if r := run(t, args...); r.code != exitUsage || strings.Contains(r.stderr, "did you mean") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and no suggestion", args, r.code, r.stderr)
		}
	}
}

func TestHelpCommand(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"build", "list", "files", "why", "verify", "version", "completion"} {
		viaHelp, viaFlag := run(t, "help", cmd), run(t, cmd, "--help")
		if viaHelp.code != 0 || !strings.Contains(viaHelp.stdout, "zisi "+cmd+" - ") {
			t.Errorf("help %s: exit %d\n%s%s", cmd, viaHelp.code, viaHelp.stdout, viaHelp.stderr)
		}
		if viaHelp.stdout != viaFlag.stdout {
			t.Errorf("help %s differs from %s --help:\n%s\n---\n%s", cmd, cmd, viaHelp.stdout, viaFlag.stdout)
		}
	}
	app, flag := run(t, "help"), run(t, "--help")
	if app.code != 0 || app.stdout != flag.stdout || !strings.Contains(app.stdout, "completion") {
		t.Errorf("help: exit %d\n%s\n---\n%s", app.code, app.stdout, flag.stdout)
	}
	if r := run(t, "help", "build", "list"); r.code != exitUsage {
		t.Errorf("help with two names: exit %d %q", r.code, r.stderr)
	}
}

func TestCompletionCandidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{nil, []string{"build", "list", "files", "why", "verify", "cache", "version", "help", "completion"}},
		{[]string{"build", "--par"}, []string{"--parallel"}},
		{[]string{"build", "src", "out", "--js"}, []string{"--json"}},
		{[]string{"list", "--unknown-prefix"}, nil},
		{[]string{"completion"}, []string{"bash", "fish", "zsh"}},
		{[]string{"cache"}, []string{"clean", "stats"}},
		{[]string{"build", "src"}, nil}, // the shell lists files
		// Completing never runs the command, even past "--" (where
		// urfave/cli would): a build would write into a folder named
		// after the completion flag.
		{[]string{"build", "--", "src"}, nil},
	} {
		r := run(t, append(tc.words, completionFlag)...)
		got := strings.Fields(r.stdout)
		if r.code != 0 || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: exit %d, candidates %q, want %q\n%s", tc.words, r.code, got, tc.want, r.stderr)
		}
	}
	if _, err := os.Stat(completionFlag); !os.IsNotExist(err) {
		t.Errorf("completion ran a build: %v", err)
	}
	// Every flag of a command is offered for "-".
	r := run(t, "build", "-", completionFlag)
	for _, f := range []string{"--config", "--strict", "--verbose", "--json", "--help"} {
		if !strings.Contains(r.stdout, f+"\n") {
			t.Errorf("build - lacks %s:\n%s", f, r.stdout)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := run(t, "completion", sh)
		if r.code != 0 || !strings.Contains(r.stdout, completionFlag) || !strings.Contains(r.stdout, "zisi") {
			t.Errorf("completion %s: exit %d\n%s%s", sh, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, "completion", "tcsh"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown shell "tcsh"`) {
		t.Errorf("completion tcsh: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, "completion"); r.code != exitUsage {
		t.Errorf("completion without a shell: exit %d %q", r.code, r.stderr)
	}
}

// TestBashCompletionScript sources the bash script in a real bash with a
// real zisi binary and asks it to complete, as the shell does on Tab.
func TestBashCompletionScript(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to test the bash completion script")
	}
	bin := filepath.Join(t.TempDir(), "zisi")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := filepath.Join(t.TempDir(), "zisi.bash")
	if err := os.WriteFile(script, []byte(completionScripts["bash"]), 0o644); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"zisi bu":           "build",
		"zisi build --str":  "--strict",
		"zisi completion f": "fish",
	} {
		words := strings.Fields(line)
		prog := `source "$1"; PATH="$2:$PATH"; COMP_WORDS=(` + strings.Join(words, " ") + `); COMP_CWORD=` +
			strconv.Itoa(len(words)-1) + `; _zisi_complete; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command(bash, "-c", prog, "bash", script, filepath.Dir(bin)).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("%q completes to %q (%v), want %q", line, out, err, want)
		}
	}
}

func TestConfigMistakesGetHelp(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{
		"netlify.toml": "[function]\nnode_bundler = \"esbuild\"\n\n[functions]\nexternal_node_module = [\"sharp\"]\n\n" +
			"[functions.\"api-*\"]\nincluded_file = [\"data/**\"]\n\n[[redirects]]\nfrom = \"/a\"\nto = \"/b\"\n",
		"netlify/functions/api-a.js": handler,
	})
	toml := filepath.Join(site, "netlify.toml")
	r := run(t, "build", "--config", toml, filepath.Join(t.TempDir(), "out"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"warning: " + toml + `:1: function: unknown table, ignored by zisi and Netlify; did you mean [functions]?`,
		"warning: " + toml + `:5: functions.external_node_module: unknown key, ignored; did you mean "external_node_modules"?`,
		"warning: " + toml + `:8: functions."api-*".included_file: unknown key, ignored; did you mean "included_files"?`,
	} {
		if !strings.Contains(r.stderr, want+"\n") {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "redirects") {
		t.Errorf("[[redirects]] was flagged:\n%s", r.stderr)
	}
	// --strict makes them fail the build.
	if r := run(t, "build", "--strict", "--config", toml, filepath.Join(t.TempDir(), "out")); r.code != 1 {
		t.Errorf("--strict: exit %d\n%s", r.code, r.stderr)
	}
}

func TestNotFunctionsGetOneNoteEach(t *testing.T) {
	t.Parallel()
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js":    handler,
		"netlify/functions/train.py":    "print('hi')\n",
		"netlify/functions/README.md":   "# functions\n",
		"netlify/functions/.DS_Store":   "junk",
		"netlify/functions/lib/util.js": "module.exports = 1\n",
	})
	fns := filepath.Join(site, "netlify", "functions")
	notes := []string{
		"note: " + filepath.Join(fns, "README.md") + ": not a function (documentation), skipped\n",
		"note: " + filepath.Join(fns, "lib") + ": not a function, skipped: a function folder has a main file, lib.js or index.js",
		"note: " + filepath.Join(fns, "train.py") + ": not a function, skipped: .py is not a function file type",
	}
	check := func(name string, r runResult, shown bool) {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, r.code, r.stderr)
		}
		for _, n := range notes {
			if strings.Contains(r.stderr, n) != shown {
				t.Errorf("%s: note %q shown %v, want %v:\n%s", name, n, !shown, shown, r.stderr)
			}
		}
		if strings.Count(r.stderr, "note: ") != map[bool]int{true: len(notes)}[shown] || strings.Contains(r.stderr, ".DS_Store") || strings.Contains(r.stderr, "warning") {
			t.Errorf("%s: stderr\n%s", name, r.stderr)
		}
	}
	list := run(t, "list", fns)
	check("list", list, true)
	if strings.Contains(list.stdout, "train") || !strings.Contains(list.stdout, "hello") {
		t.Errorf("list stdout:\n%s", list.stdout)
	}
	check("list --json", run(t, "list", "--json", fns), true)
	check("build", run(t, "build", fns, filepath.Join(t.TempDir(), "out")), false)
	check("build --verbose", run(t, "build", "--verbose", fns, filepath.Join(t.TempDir(), "out")), true)
	check("build --strict", run(t, "build", "--strict", fns, filepath.Join(t.TempDir(), "out")), false)
}

// TestMissingModuleHintFollowsTheCause: a module package.json lists but
// node_modules lacks needs an install; one nobody lists needs adding.
func TestMissingModuleHintFollowsTheCause(t *testing.T) {
	t.Parallel()
	const use = "require('left-pad')\n" + handler
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // SITE is the site
		not   string
	}{
		{"listed in dependencies, not installed",
			map[string]string{"package.json": `{"name":"site","dependencies":{"left-pad":"1.3.0"}}`, "netlify/functions/f.js": use},
			`cannot find module "left-pad" imported by SITE/netlify/functions/f.js:1; SITE/package.json lists it but it is not installed; run npm install (or your package manager's install) in SITE`,
			"add it to dependencies"},
		{"listed in devDependencies, not installed",
			map[string]string{"package.json": `{"name":"site","devDependencies":{"left-pad":"1.3.0"}}`, "netlify/functions/f.js": use},
			"SITE/package.json lists it but it is not installed; run npm install (or your package manager's install)",
			"add it to dependencies"},
		{"not listed",
			map[string]string{"package.json": `{"name":"site","dependencies":{"other":"1.0.0"}}`, "netlify/functions/f.js": use},
			`cannot find module "left-pad" imported by SITE/netlify/functions/f.js:1; add it to dependencies in SITE/package.json and run npm install`,
			"lists it"},
		{"a package's own dependency, not installed",
			map[string]string{
				"package.json":                      `{"name":"site","dependencies":{"wrapper":"1.0.0"}}`,
				"node_modules/wrapper/package.json": `{"name":"wrapper","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}`,
				"node_modules/wrapper/index.js":     "module.exports = require('left-pad')\n",
				"netlify/functions/f.js":            "require('wrapper')\n" + handler,
			},
			`cannot find module "left-pad", a dependency of wrapper@1.0.0 (SITE/node_modules/wrapper); it is listed in that package's dependencies but is not installed; run npm install (or your package manager's install) in SITE`,
			"add it to dependencies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := testfs.Site(t, tc.files)
			r := run(t, "build", "-q", filepath.Join(site, "netlify/functions"), filepath.Join(t.TempDir(), "out"))
			want := strings.ReplaceAll(tc.want, "SITE", site)
			if r.code != 1 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, tc.not) {
				t.Errorf("exit %d, stderr\n%s\nwant exit 1 and %q, without %q", r.code, r.stderr, want, tc.not)
			}
		})
	}
}
