package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
)

func (e *env) buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "build every function in the source folders into DEST_DIR",
		ArgsUsage: "[SRC_DIR...] DEST_DIR",
		Description: "With no SRC_DIR, builds the site in the working directory (or --config's) as Netlify Build does:\n" +
			"user functions from netlify.toml's [functions] directory, else netlify/functions (priority 10);\n" +
			"generated functions from .netlify/functions-internal and .netlify/v1/functions (priority 0),\n" +
			"with <main>.json configuration files in functions-internal and the Frameworks API's\n" +
			".netlify/v1/config.json merged under netlify.toml. Writes one archive per function and\n" +
			"DEST_DIR/manifest.json; when any function fails, the others are still built but the\n" +
			"manifest is not written.",
		Flags: append([]cli.Flag{
			configFlag(),
			repositoryRootFlag(),
			&cli.StringFlag{Name: "manifest", Usage: "manifest path (default: DEST_DIR/manifest.json)"},
			&cli.StringFlag{Name: "archive-format", Value: "zip", Usage: "zip, or none for a directory per function"},
			&cli.StringFlag{Name: "parallel", Usage: "functions built at once (default: number of CPUs)"},
			&cli.StringFlag{Name: "node-version", Usage: "Node.js version for every function (default: AWS_LAMBDA_JS_RUNTIME, else netlify.toml, else 24)"},
			goArchFlag(),
			&cli.StringFlag{Name: "bootstrap", Usage: "unpacked @netlify/serverless-functions-api package to ship with v2 functions (default: the site's node_modules, else the per-user cache, filled with npm pack)"},
			&cli.StringSliceFlag{Name: "allow-outside", Usage: "a folder outside the site whose files may ship through symbolic links (repeatable; nothing else outside the site ships)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 1, nothing published) when there is any warning, for CI"},
			&cli.BoolFlag{Name: "no-wait", Usage: "fail at once when another build is writing DEST_DIR, instead of waiting for it"},
			&cli.BoolFlag{Name: "json", Usage: "print the results array as JSON on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only warnings and errors"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also print notes: decisions that need no action (a package shipped from devDependencies, say)"},
			&cli.StringFlag{Name: "branch", Usage: "branch being deployed, written to v2 functions' metadata (default: $BRANCH, else $HEAD)"},
			&cli.StringFlag{Name: "server", Usage: "also build the Netlify Server from this folder (its index.{js,mjs,ts,mts}) or entry file into DEST_DIR/server/server.tgz, with its manifest beside it"},
		}, sourceFlags()...),
		Action: e.build,
	}
}

func (e *env) build(c *cli.Context) error {
	if c.NArg() < 1 {
		return usagef("build needs a destination folder: zisi build [SRC_DIR...] DEST_DIR")
	}
	args := c.Args().Slice()
	dest, srcArgs := args[len(args)-1], args[:len(args)-1]
	format := bundler.ArchiveFormat(c.String("archive-format"))
	if format != bundler.ArchiveZip && format != bundler.ArchiveNone {
		return usagef("--archive-format must be zip or none, got %q", format)
	}
	parallel, err := parseParallel(c)
	if err != nil {
		return err
	}
	arch, err := goArch(c)
	if err != nil {
		return err
	}
	st, err := e.loadSite(c, srcArgs)
	if err != nil {
		return err
	}
	if c.Bool("strict") && len(st.warnings) > 0 {
		e.printWarnings(st)
		return fmt.Errorf("--strict: %d warnings in the site's configuration; nothing was built", len(st.warnings))
	}
	progress := &progressLine{env: e, enabled: e.interactive && !c.Bool("quiet")}
	start := time.Now()
	rep, err := bundler.ZipSources(c.Context, st.sources, dest, bundler.Options{
		Config:                st.opts.Config,
		BasePath:              st.opts.BasePath,
		RepositoryRoot:        st.opts.RepositoryRoot,
		ConfigFileDirectories: st.opts.ConfigFileDirectories,
		Branch:                e.branch(c),
		ArchiveFormat:         format,
		ManifestPath:          c.String("manifest"),
		Parallel:              parallel,
		NodeVersion:           e.nodeVersion(c),
		BootstrapDir:          c.String("bootstrap"),
		GoArch:                arch,
		Env:                   e.environ(),
		AllowOutside:          c.StringSlice("allow-outside"),
		NoWait:                c.Bool("no-wait"),
		Strict:                c.Bool("strict"),
		OnWait: func(dest string) {
			fmt.Fprintf(e.stderr, "waiting for another zisi build writing %s to finish (Ctrl-C to stop, --no-wait to fail instead)\n", dest)
		},
		Progress: progress.update,
	})
	progress.clear()
	if rep == nil {
		e.printWarnings(st)
		return err
	}
	rep.Warnings = append(slices.Clone(st.warnings), rep.Warnings...)
	e.printReport(rep, reportOptions{quiet: c.Bool("quiet"), verbose: c.Bool("verbose"), err: err}, dest, time.Since(start))
	var server *bundler.ServerResult
	if srv := c.String("server"); srv != "" && err == nil {
		// The server has a manifest of its own, named as the functions'
		// one is: it gets a folder of its own.
		opts := st.opts
		opts.NodeVersion, opts.Parallel, opts.Env = e.nodeVersion(c), parallel, e.environ()
		server, err = bundler.ZipServer(c.Context, srv, filepath.Join(dest, "server"), opts)
		if err == nil && !c.Bool("quiet") {
			fmt.Fprintf(e.stderr, "server  %s %s  %s  %s\n", server.Runtime, server.Bundler, humanSize(server.Size), server.Path)
		}
	}
	if c.Bool("json") {
		var out any = nonNil(rep.Functions)
		if c.String("server") != "" {
			out = map[string]any{"functions": nonNil(rep.Functions), "server": server}
		}
		if jerr := e.printJSON(out); jerr != nil {
			return jerr
		}
	}
	var be *bundler.BuildError
	if errors.As(err, &be) || errors.Is(err, bundler.ErrStrict) {
		return errReported
	}
	return err
}

func (e *env) printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", data)
	return err
}

type reportOptions struct {
	quiet, verbose bool
	// err is the build's error.
	err error
}

// printReport writes one line per function, the v2 bootstrap shipped, the
// notes (verbose only), the warnings, the failures and a summary to
// stderr.
func (e *env) printReport(rep *bundler.Report, o reportOptions, dest string, took time.Duration) {
	quiet := o.quiet
	if !quiet {
		for _, r := range rep.Functions {
			tool := r.Bundler
			if tool == "" {
				tool = "-"
			}
			size := "dir"
			if r.Size > 0 {
				size = humanSize(r.Size)
			}
			fmt.Fprintf(e.stderr, "  %-28s %-3s %-8s %9s  %s\n", r.Name, r.Runtime, tool, size, r.Path)
		}
	}
	if rep.Bootstrap != nil && !quiet {
		fmt.Fprintf(e.stderr, "v2 bootstrap: %s\n", rep.Bootstrap)
	}
	if o.verbose {
		for _, n := range rep.Notes {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(e.stderr, "error: %s\n", f)
	}
	switch {
	case len(rep.Failures) > 0:
		fmt.Fprintf(e.stderr, "%d of %d functions failed; manifest not written (an existing one is left as it was)\n",
			len(rep.Failures), len(rep.Failures)+len(rep.Functions))
	case errors.Is(o.err, bundler.ErrStrict):
		fmt.Fprintf(e.stderr, "%d functions built but not published (%d warnings and --strict); the destination is as it was\n", len(rep.Functions), len(rep.Warnings))
	case !quiet:
		fmt.Fprintf(e.stderr, "built %d functions into %s in %s; manifest: %s\n",
			len(rep.Functions), filepath.Clean(dest), took.Round(time.Millisecond), rep.Manifest)
	}
	if len(rep.Removed) > 0 && !quiet {
		names := make([]string, len(rep.Removed))
		for i, p := range rep.Removed {
			names[i] = filepath.Base(p)
		}
		fmt.Fprintf(e.stderr, "removed %d outputs of the previous build that this build no longer produces: %s\n", len(names), strings.Join(names, ", "))
	}
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// progressLine redraws "[done/total] name" on a terminal.
type progressLine struct {
	env     *env
	enabled bool
	mu      sync.Mutex
	drawn   bool
}

func (p *progressLine) update(done, total int, name string) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.env.stderr, "\r\x1b[K[%d/%d] %s", done, total, name)
	p.drawn = true
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.env.stderr, "\r\x1b[K")
	}
}
