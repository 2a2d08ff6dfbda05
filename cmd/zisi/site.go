package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
)

// sourceFlags name a build's sources beyond the SRC_DIR arguments.
func sourceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "generated-dir", Usage: "a folder of generated functions, priority 0 (repeatable; default without SRC_DIR: .netlify/functions-internal and .netlify/v1/functions when they exist)"},
		&cli.StringSliceFlag{Name: "config-file-dir", Usage: "a folder whose functions may have a <main>.json configuration file (repeatable; .netlify/functions-internal always is)"},
	}
}

// site is what a command builds or lists: its sources, the options that
// follow from the site, and the configuration it read.
type site struct {
	sources bundler.Sources
	opts    bundler.Options
	config  *config.File
	// warnings are the configuration's and the layout's, printed with
	// the command's own (and failing a --strict build).
	warnings []bundler.Warning
}

// loadSite reads the site the way Netlify Build does (bundler.LoadSite):
// the base is the directory of --config, else the working directory.
// SRC_DIR arguments replace the site's own sources: they are the user
// folders, and only --generated-dir folders are generated ones.
func (e *env) loadSite(c *cli.Context, args []string) (*site, error) {
	var (
		s   *bundler.Site
		err error
	)
	switch path := c.String("config"); {
	case path != "":
		if _, err := os.Stat(path); err != nil {
			return nil, usagef("--config %q: %v", path, err)
		}
		s, err = bundler.LoadSiteConfig(path)
	default:
		s, err = bundler.LoadSite(".")
	}
	if err != nil {
		return nil, err
	}
	flags, err := featureFlags(c)
	if err != nil {
		return nil, err
	}
	out := &site{sources: s.Sources, opts: s.Options, config: s.Config}
	out.opts.FeatureFlags = flags
	if s.Config != nil {
		for _, w := range s.Config.Warnings {
			out.warnings = append(out.warnings, bundler.Warning{Message: w.String()})
		}
	}
	if len(args) == 0 {
		out.warnings = append(out.warnings, s.Warnings...)
	}
	if len(args) > 0 {
		out.sources = bundler.Dirs(args...)
		if s.Config == nil {
			// No site configuration: each function's own site is its
			// base (the nearest package.json), not the working
			// directory. A repository root is taken from the first
			// folder, and only when one was found above it.
			out.opts.BasePath, out.opts.RepositoryRoot = "", ""
			if start, err := filepath.Abs(args[0]); err == nil {
				if root := bundler.FindRepositoryRoot(start); root != start {
					out.opts.RepositoryRoot = root
				}
			}
		}
	}
	if c.IsSet("repository-root") {
		out.opts.RepositoryRoot = c.String("repository-root")
	}
	if dirs := c.StringSlice("generated-dir"); len(dirs) > 0 {
		out.sources.Generated.Directories = dirs
	}
	out.opts.ConfigFileDirectories = append(out.opts.ConfigFileDirectories, c.StringSlice("config-file-dir")...)
	return out, nil
}

// printWarnings prints the site's warnings (list, files and why; build
// prints them with its report).
func (e *env) printWarnings(st *site) {
	for _, w := range st.warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
}

// branch is --branch, else Netlify's BRANCH, else HEAD.
func (e *env) branch(c *cli.Context) string {
	return cmp.Or(c.String("branch"), e.getenv("BRANCH"), e.getenv("HEAD"))
}
