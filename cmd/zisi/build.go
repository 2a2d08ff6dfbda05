package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
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
		Description: "With no SRC_DIR, the functions directory comes from netlify.toml's [functions] directory,\n" +
			"else netlify/functions. Writes one archive per function and DEST_DIR/manifest.json;\n" +
			"when any function fails, the others are still built but the manifest is not written.",
		Flags: []cli.Flag{
			configFlag(),
			&cli.StringFlag{Name: "manifest", Usage: "manifest path (default: DEST_DIR/manifest.json)"},
			&cli.StringFlag{Name: "archive-format", Value: "zip", Usage: "zip, or none for a directory per function"},
			&cli.StringFlag{Name: "parallel", Usage: "functions built at once (default: number of CPUs)"},
			&cli.StringFlag{Name: "node-version", Usage: "Node.js version for every function (default: AWS_LAMBDA_JS_RUNTIME, else netlify.toml, else 24)"},
			goArchFlag(),
			featureFlagFlag(),
			&cli.StringFlag{Name: "bootstrap", Usage: "unpacked @netlify/serverless-functions-api package to ship with v2 functions (default: the site's node_modules, else the per-user cache, filled with npm pack)"},
			&cli.StringSliceFlag{Name: "allow-outside", Usage: "a folder outside the site whose files may ship through symbolic links (repeatable; nothing else outside the site ships)"},
			&cli.BoolFlag{Name: "no-wait", Usage: "fail at once when another build is writing DEST_DIR, instead of waiting for it"},
			&cli.BoolFlag{Name: "json", Usage: "print the results array as JSON on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only warnings and errors"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also print notes: decisions that need no action (a package shipped from devDependencies, say)"},
		},
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
	flags, err := featureFlags(c)
	if err != nil {
		return err
	}
	f, err := e.loadConfig(c)
	if err != nil {
		return err
	}
	srcDirs := sourceDirs(srcArgs, f)
	progress := &progressLine{env: e, enabled: e.interactive && !c.Bool("quiet")}
	start := time.Now()
	rep, err := bundler.ZipFunctions(c.Context, srcDirs, dest, bundler.Options{
		Config:        functionsConfig(f),
		BasePath:      basePath(f),
		ArchiveFormat: format,
		ManifestPath:  c.String("manifest"),
		Parallel:      parallel,
		NodeVersion:   e.nodeVersion(c),
		BootstrapDir:  c.String("bootstrap"),
		GoArch:        arch,
		FeatureFlags:  flags,
		Env:           e.environ(),
		AllowOutside:  c.StringSlice("allow-outside"),
		NoWait:        c.Bool("no-wait"),
		OnWait: func(dest string) {
			fmt.Fprintf(e.stderr, "waiting for another zisi build writing %s to finish (Ctrl-C to stop, --no-wait to fail instead)\n", dest)
		},
		Progress: progress.update,
	})
	progress.clear()
	if rep == nil {
		return err
	}
	e.printReport(rep, reportOptions{quiet: c.Bool("quiet"), verbose: c.Bool("verbose")}, dest, time.Since(start))
	if c.Bool("json") {
		if jerr := e.printJSON(nonNil(rep.Functions)); jerr != nil {
			return jerr
		}
	}
	var be *bundler.BuildError
	if errors.As(err, &be) {
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
	case !quiet:
		fmt.Fprintf(e.stderr, "built %d functions into %s in %s; manifest: %s\n",
			len(rep.Functions), filepath.Clean(dest), took.Round(time.Millisecond), rep.Manifest)
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
