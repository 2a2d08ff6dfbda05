package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
)

// listCommand is `zisi list` (files=false) or `zisi files` (files=true).
func (e *env) listCommand(files bool) *cli.Command {
	cmd := &cli.Command{
		Name:      "list",
		Usage:     "list the functions in the source folders",
		ArgsUsage: "[SRC_DIR...]",
		Flags: append([]cli.Flag{
			configFlag(),
			repositoryRootFlag(),
			goArchFlag(),
			featureFlagFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
		}, sourceFlags()...),
	}
	if !files {
		cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: "parse", Usage: "analyse each Node.js main file: API version, module format, routes and in-source schedule (the reference's parseISC)"})
	}
	if files {
		cmd.Name, cmd.Usage = "files", "list every source file each function ships"
	}
	cmd.Action = func(c *cli.Context) error {
		arch, err := goArch(c)
		if err != nil {
			return err
		}
		st, err := e.loadSite(c, c.Args().Slice())
		if err != nil {
			return err
		}
		e.printWarnings(st)
		opts := st.opts
		opts.GoArch = arch
		opts.ParseISC = !files && c.Bool("parse")
		var (
			warnings, notes []bundler.Warning
			out             any
			rows            [][]string
		)
		if files {
			l, err := bundler.ListFunctionsFiles(c.Context, slices.Concat(st.sources.Generated.Directories, st.sources.User.Directories), opts)
			if err != nil {
				return err
			}
			warnings, out = l.Warnings, nonNil(l.Files)
			rows = append(rows, []string{"NAME", "RUNTIME", "FILE"})
			for _, lf := range l.Files {
				rows = append(rows, []string{lf.Name, lf.Runtime, lf.SrcFile})
			}
		} else {
			l, err := bundler.ListSources(c.Context, st.sources, opts)
			if err != nil {
				return err
			}
			warnings, notes, out = l.Warnings, l.Notes, nonNil(l.Functions)
			rows = append(rows, []string{"NAME", "RUNTIME", "SOURCE", "PRIORITY", "MAIN FILE"})
			for _, lf := range l.Functions {
				source := "user"
				if lf.Generated {
					source = "generated"
				}
				rows = append(rows, []string{lf.Name, lf.Runtime, source, strconv.Itoa(lf.Priority), lf.MainFile})
			}
		}
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		for _, n := range notes {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
		if c.Bool("json") {
			return e.printJSON(out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return cmd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
