package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/archive"
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
			featureFlagFlag(),
			&cli.StringFlag{Name: "bootstrap", Usage: "unpacked @netlify/serverless-functions-api package to ship with v2 functions (default: the site's node_modules, else the per-user cache, filled with npm pack)"},
			&cli.StringSliceFlag{Name: "allow-outside", Usage: "a folder outside the site whose files may ship through symbolic links (repeatable; nothing else outside the site ships)"},
			colorFlag(),
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 1, nothing published) when there is any warning, for CI"},
			&cli.BoolFlag{Name: "no-wait", Usage: "fail at once when another build is writing DEST_DIR, instead of waiting for it"},
			&cli.BoolFlag{Name: "fsync", Usage: "sync every output to disk before publishing it, so that a power loss after the build leaves whole archives (default: left to the page cache; renames stay atomic either way)"},
			&cli.BoolFlag{Name: "json", Usage: "print the results array as JSON on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only warnings and errors"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also print notes: decisions that need no action (a package shipped from devDependencies, say)"},
			&cli.StringFlag{Name: "branch", Usage: "branch being deployed, written to v2 functions' metadata (default: $BRANCH, else $HEAD)"},
			&cli.BoolFlag{Name: "no-cache", Usage: "build every function, reading and writing no build cache"},
			&cli.StringFlag{Name: "cache-dir", Usage: "per-user cache folder: the build cache (in its build/ folder) and the v2 bootstrap (default: $ZISI_CACHE_DIR, else the user cache folder's zisi/)"},
			&cli.StringFlag{Name: "cache-max-size", Usage: "bound on the build cache, like 500MB or 2GiB (default 2GiB); the least recently used entries go first"},
			&cli.StringFlag{Name: "remote-cache", Usage: "shared build cache in a blob store: s3://BUCKET/PREFIX, gs://…, azblob://… or file:///DIR (credentials from the store's usual environment; default: $ZISI_REMOTE_CACHE)"},
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
	maxSize, err := parseSize(c.String("cache-max-size"))
	if err != nil {
		return usagef("--cache-max-size: %v", err)
	}
	st, err := e.loadSite(c, srcArgs)
	if err != nil {
		return err
	}
	if c.Bool("strict") && len(st.warnings) > 0 {
		e.printWarnings(st)
		return fmt.Errorf("--strict: %d warning%s in the site's configuration; nothing was built", len(st.warnings), plural(len(st.warnings)))
	}
	paint, err := e.painter(c)
	if err != nil {
		return err
	}
	v := newView(e.stderr, reportOptions{quiet: c.Bool("quiet"), verbose: c.Bool("verbose"), live: e.interactive, paint: paint})
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
		Fsync:                 c.Bool("fsync"),
		Strict:                c.Bool("strict"),
		FeatureFlags:          st.opts.FeatureFlags,
		Cache:                 !c.Bool("no-cache"),
		CacheDir:              c.String("cache-dir"),
		CacheMaxSize:          maxSize,
		RemoteCache:           cmp.Or(c.String("remote-cache"), e.getenv("ZISI_REMOTE_CACHE")),
		OnWait: func(dest string) {
			fmt.Fprintf(e.stderr, "waiting for another zisi build writing %s to finish (Ctrl-C to stop, --no-wait to fail instead)\n", dest)
		},
		OnEvent: v.event,
	})
	v.clear()
	if rep == nil {
		e.printWarnings(st)
		if len(srcArgs) == 0 && errors.Is(err, bundler.ErrInvalidOptions) && strings.Contains(err.Error(), "is inside source folder") {
			// `zisi build netlify/functions`: the folder was taken for the
			// destination.
			return fmt.Errorf("%w\n(did you forget DEST_DIR? zisi build [SRC_DIR...] DEST_DIR)", err)
		}
		if errors.Is(err, bundler.ErrNoSourceFolder) {
			return fmt.Errorf("%w (nothing was built and %s was not touched)", err, dest)
		}
		return err
	}
	rep.Warnings = append(slices.Clone(st.warnings), rep.Warnings...)
	v.o.err = err
	v.report(rep, dest, time.Since(start))
	var server *bundler.ServerResult
	if srv := c.String("server"); srv != "" && err == nil {
		// The server has a manifest of its own, named as the functions'
		// one is: it gets a folder of its own.
		opts := st.opts
		opts.NodeVersion, opts.Parallel, opts.Env = e.nodeVersion(c), parallel, e.environ()
		server, err = bundler.ZipServer(c.Context, srv, filepath.Join(dest, "server"), opts)
		if err == nil && !c.Bool("quiet") {
			fmt.Fprintf(e.stderr, "server  %s %s  %s  %s\n", server.Runtime, server.Bundler, archive.FormatSize(server.Size), server.Path)
		}
	}
	if c.Bool("json") {
		var out any = nonNil(rep.Functions)
		switch {
		case len(rep.Failures) > 0:
			// A failed build: the successes and the failures, an object
			// where a successful build gives the reference's array.
			out = map[string]any{"functions": nonNil(rep.Functions), "failures": failuresJSON(rep.Failures)}
		case c.String("server") != "":
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

// failureJSON is one failed function in `zisi build --json` output.
type failureJSON struct {
	Function string `json:"function"`
	Runtime  string `json:"runtime"`
	Bundler  string `json:"bundler,omitempty"`
	MainFile string `json:"mainFile"`
	Message  string `json:"message"`
	// Location is where the error is, when it names a place: a syntax
	// error, a configuration value (line, column 1-based).
	Location *locationJSON `json:"location,omitempty"`
}

type locationJSON struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func failuresJSON(fs []*bundler.FunctionError) []failureJSON {
	out := make([]failureJSON, 0, len(fs))
	for _, f := range fs {
		j := failureJSON{Function: f.Name, Runtime: f.Runtime, Bundler: f.Bundler, MainFile: f.MainFile, Message: f.Err.Error()}
		var be *bundler.BundleError
		var ce *config.Error
		var me *bundler.MissingModuleError
		switch {
		case errors.As(f.Err, &be) && len(be.Errors) > 0 && be.Errors[0].File != "":
			m := be.Errors[0]
			j.Location = &locationJSON{File: m.File, Line: m.Line, Column: m.Column + 1}
		case errors.As(f.Err, &ce) && ce.File != "":
			j.Location = &locationJSON{File: ce.File, Line: ce.Line, Column: ce.Column}
		case errors.As(f.Err, &me) && me.Line > 0:
			j.Location = &locationJSON{File: me.Importer, Line: me.Line}
		}
		out = append(out, j)
	}
	return out
}
