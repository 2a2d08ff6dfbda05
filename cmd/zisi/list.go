package main

import (
	"fmt"
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
		Flags: []cli.Flag{
			configFlag(),
			goArchFlag(),
			featureFlagFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
		},
	}
	if files {
		cmd.Name, cmd.Usage = "files", "list every source file each function ships"
	}
	cmd.Action = func(c *cli.Context) error {
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
		srcDirs := sourceDirs(c.Args().Slice(), f)
		opts := bundler.Options{Config: functionsConfig(f), BasePath: basePath(f), GoArch: arch, FeatureFlags: flags}
		var (
			warnings []bundler.Warning
			out      any
			rows     [][]string
		)
		if files {
			l, err := bundler.ListFunctionsFiles(c.Context, srcDirs, opts)
			if err != nil {
				return err
			}
			warnings, out = l.Warnings, nonNil(l.Files)
			rows = append(rows, []string{"NAME", "RUNTIME", "FILE"})
			for _, lf := range l.Files {
				rows = append(rows, []string{lf.Name, lf.Runtime, lf.SrcFile})
			}
		} else {
			l, err := bundler.ListFunctions(c.Context, srcDirs, opts)
			if err != nil {
				return err
			}
			warnings, out = l.Warnings, nonNil(l.Functions)
			rows = append(rows, []string{"NAME", "RUNTIME", "MAIN FILE"})
			for _, lf := range l.Functions {
				rows = append(rows, []string{lf.Name, lf.Runtime, lf.MainFile})
			}
		}
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		if c.Bool("json") {
			return e.printJSON(out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r[0], r[1], r[2])
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
