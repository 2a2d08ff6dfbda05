package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/workslot"
)

// corpusSuites are the folders of the reference's tests whose every
// sub-folder is a fixture.
var corpusSuites = []string{"fixtures", "fixtures-esm"}

// corpusSetup says how the reference's own tests build a fixture when that
// is not the default (the fixture folder is the one source folder, with no
// configuration). Only the source folders and the configuration are taken
// from the tests; what the tests then assert is not.
type corpusSetup struct {
	// dirs are the source folders, relative to the fixture.
	dirs []string
	// config is the functions configuration both tools get.
	config []config.Pattern
}

// included is a "*" pattern with included_files.
func included(globs ...string) []config.Pattern {
	return []config.Pattern{{Glob: "*", Config: config.FunctionConfig{IncludedFiles: globs}}}
}

var corpusSetups = map[string]corpusSetup{
	// Two source folders, each built with its own included_files.
	"base_path": {
		dirs: []string{"netlify/functions1", "netlify/functions2"},
		config: []config.Pattern{
			{Glob: "func1", Config: config.FunctionConfig{IncludedFiles: []string{"content/*"}}},
			{Glob: "func2", Config: config.FunctionConfig{IncludedFiles: []string{"content/*", "func2.js"}}, Order: 1},
		},
	},
	"config-files-select-directories": {dirs: []string{".netlify/functions-internal", ".netlify/functions-internal-not", "netlify/functions"}},
	"go-internal":                     {dirs: []string{".netlify/internal-functions"}},
	"in-source-config":                {dirs: []string{"functions", "functions_stream", "functions_missing_cron_expression", "functions_missing_schedule_usage"}},
	"included_files": {
		dirs:   []string{"netlify/functions"},
		config: included("content/*", "!content/post3.md", "something.md"),
	},
	"json-config":              {dirs: []string{".netlify/functions-internal"}},
	"multiple-src-directories": {dirs: []string{".netlify/internal-functions", "netlify/functions"}},
	"node-esm-import-loop":     {dirs: []string{"functions"}},
	"node-internal":            {dirs: []string{".netlify/internal-functions"}},
	"node-monorepo": {
		dirs:   []string{"packages/site-1/netlify/functions"},
		config: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{ExternalNodeModules: []string{"@netlify/mock-package-2"}}}},
	},
	"node-require-in-esm":             {dirs: []string{"functions"}},
	"node-typescript-tsconfig-parent": {dirs: []string{"functions"}},
	"node-typescript-tsconfig-target": {dirs: []string{"functions"}},
	"pnpm-esm-v2":                     {dirs: []string{"netlify/functions"}},
	"ratelimit":                       {dirs: []string{"netlify/functions"}},
	"rust-internal":                   {dirs: []string{".netlify/internal-functions"}},
	"with-schedule": {
		config: []config.Pattern{{Glob: "*", Config: config.FunctionConfig{Schedule: "* * * * *"}}},
	},

	// fixtures-esm
	"symlinked-bin":                {config: included("subproject/**")},
	"symlinked-included-files":     {config: included("**")},
	"v2-api-files-and-directories": {dirs: []string{".", ".netlify/functions-internal", ".netlify/v1/functions", "netlify/functions"}},
	"v2-api-included-files": {
		dirs:   []string{"netlify/functions"},
		config: included("blog/author*"),
	},
	"v2-api-isolated":       {dirs: []string{".netlify/plugins/node_modules/extension-buildhooks/functions", "netlify/functions"}},
	"v2-api-name-generator": {dirs: []string{".netlify/functions-internal"}},
}

// corpusFixture is one fixture folder.
type corpusFixture struct {
	name string // the folder's name, unique across the suites
	dir  string // absolute
}

// corpusFixtures lists the fixtures of a netlify/build checkout (or of its
// packages/zip-it-and-ship-it folder), sorted, keeping only those named in
// only when it is not empty.
func corpusFixtures(checkout string, only []string) ([]corpusFixture, error) {
	root, err := filepath.Abs(checkout)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "packages/zip-it-and-ship-it/tests")); err == nil {
		root = filepath.Join(root, "packages/zip-it-and-ship-it")
	}
	tests := filepath.Join(root, "tests")
	var out []corpusFixture
	seen := map[string]string{}
	for _, suite := range corpusSuites {
		ents, err := os.ReadDir(filepath.Join(tests, suite))
		if err != nil {
			return nil, fmt.Errorf("read the reference's fixtures: %w (is %q a netlify/build checkout?)", err, checkout)
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			if prev, dup := seen[e.Name()]; dup {
				return nil, fmt.Errorf("fixture %q is in both %s and %s", e.Name(), prev, suite)
			}
			seen[e.Name()] = suite
			if len(only) > 0 && !slices.Contains(only, e.Name()) {
				continue
			}
			out = append(out, corpusFixture{name: e.Name(), dir: filepath.Join(tests, suite, e.Name())})
		}
	}
	for _, name := range only {
		if _, ok := seen[name]; !ok {
			return nil, fmt.Errorf("no fixture %q in %s", name, tests)
		}
	}
	slices.SortFunc(out, func(a, b corpusFixture) int { return cmp.Compare(a.name, b.name) })
	return out, nil
}

// corpusJob is the job for one fixture: its base directory is the fixture
// folder (the reference's basePath and repositoryRoot).
func corpusJob(f corpusFixture) job {
	setup := corpusSetups[f.name]
	dirs := setup.dirs
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	j := job{scenario: "corpus/" + f.name, base: f.dir, cfg: &config.Config{Patterns: setup.config}, corpus: true}
	for _, d := range dirs {
		j.srcDirs = append(j.srcDirs, filepath.Join(f.dir, d))
	}
	return j
}

// prepareCorpus does what the reference's tests do before building two
// fixtures, in the checkout itself: many-dependencies installs its
// packages (the tests run npm install in a copy), and symlinks gets the
// link its function requires (the tests create it, git does not hold it).
func prepareCorpus(ctx context.Context, fixtures []corpusFixture, log io.Writer) error {
	for _, f := range fixtures {
		switch f.name {
		case "many-dependencies":
			if _, err := os.Stat(filepath.Join(f.dir, "node_modules")); err == nil {
				continue
			}
			fmt.Fprintf(log, "npm install in %s\n", f.dir)
			cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--loglevel=error")
			cmd.Dir = f.dir
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("npm install in %q: %w\n%s", f.dir, err, out)
			}
		case "symlinks":
			link := filepath.Join(f.dir, "function/file.js")
			if _, err := os.Lstat(link); err == nil {
				continue
			}
			if err := os.Symlink("target.js", link); err != nil {
				return fmt.Errorf("create the symlinks fixture's link: %w", err)
			}
		}
	}
	return nil
}

// runCorpus compares every fixture of the reference's tests, n at a time;
// each fixture's lines are printed in order once it is done.
func runCorpus(ctx context.Context, checkout string, only []string, n int, o compareOptions, out io.Writer) (tally, error) {
	var total tally
	fixtures, err := corpusFixtures(checkout, only)
	if err != nil {
		return total, err
	}
	if err := prepareCorpus(ctx, fixtures, out); err != nil {
		return total, err
	}
	type result struct {
		t   tally
		out bytes.Buffer
		err error
	}
	results := make([]result, len(fixtures))
	workslot.Each(len(fixtures), n, func(i int) {
		r := &results[i]
		r.t, r.err = compareJob(ctx, corpusJob(fixtures[i]), o, &r.out)
	})
	for i, r := range results {
		out.Write(r.out.Bytes())
		if r.err != nil {
			// A fixture neither tool can be run on (not a function
			// folder, an unreadable file) is reported and counted failed.
			total.failed++
			fmt.Fprintf(out, "FAIL  corpus/%s: %s\n", fixtures[i].name, firstLine(r.err.Error()))
			continue
		}
		total.add(r.t)
	}
	fmt.Fprintf(out, "%d fixtures\n", len(fixtures))
	return total, nil
}
