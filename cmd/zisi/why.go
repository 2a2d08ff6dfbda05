package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
)

// errNotShipped is `zisi why`'s answer "no" (exit 1, already printed), so
// scripts can ask whether a file ships.
var errNotShipped = fmt.Errorf("not shipped: %w", errReported)

// whyCommand is `zisi why FUNCTION PATH|PACKAGE`.
func (e *env) whyCommand() *cli.Command {
	return &cli.Command{
		Name:      "why",
		Usage:     "say why a file or package is, or is not, in a function's archive",
		ArgsUsage: "FUNCTION PATH|PACKAGE",
		Description: "PATH is a file (absolute, relative to the working directory, or its path inside the\n" +
			"archive such as node_modules/ms/index.js); PACKAGE is a package name. Prints the chain\n" +
			"from the target back to the main file, or the reason it was left out. Exit 0 when it\n" +
			"ships, 1 when it does not. Functions come from --src, else as for zisi build.",
		Flags: append([]cli.Flag{
			configFlag(),
			repositoryRootFlag(),
			featureFlagFlag(),
			&cli.StringSliceFlag{Name: "src", Usage: "source folder (repeatable; default: the site's functions folders, as zisi build takes them)"},
			&cli.BoolFlag{Name: "json", Usage: "print the answer as JSON"},
		}, sourceFlags()...),
		Action: e.why,
	}
}

func (e *env) why(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("why needs a function and a file or package: zisi why FUNCTION PATH|PACKAGE")
	}
	st, err := e.loadSite(c, c.StringSlice("src"))
	if err != nil {
		return err
	}
	e.printWarnings(st)
	fn, target := c.Args().Get(0), c.Args().Get(1)
	opts := st.opts
	opts.NodeVersion = e.nodeVersion(c)
	ex, err := bundler.Explain(c.Context, slices.Concat(st.sources.Generated.Directories, st.sources.User.Directories), fn, target, opts)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if err := e.printJSON(ex); err != nil {
			return err
		}
	} else {
		e.printExplanation(ex)
	}
	if !ex.Shipped {
		return errNotShipped
	}
	return nil
}

func (e *env) printExplanation(ex *bundler.Explanation) {
	if ex.Shipped {
		fmt.Fprintf(e.stdout, "%s ships with %q:\n", ex.Target, ex.Function)
	} else {
		fmt.Fprintf(e.stdout, "%s is not in %q's archive: %s\n", ex.Target, ex.Function, ex.Reason)
	}
	for _, s := range ex.Chain {
		fmt.Fprintf(e.stdout, "  %s\n", s)
	}
}
