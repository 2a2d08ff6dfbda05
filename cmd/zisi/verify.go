package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
)

func (e *env) verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "prove each archive of a build loads before deploying it",
		ArgsUsage: "OUT_DIR",
		Description: "Reads OUT_DIR/manifest.json. Each Node.js archive is unzipped alone into an empty\n" +
			"temporary directory and loaded by node, which calls its handler with a minimal API\n" +
			"Gateway event: a missing module, a load error or a module without a handler export\n" +
			"(v1) or default export function (v2) fails. A handler that throws passes only once\n" +
			"the function's own code ran: a v2 bootstrap that throws before calling it fails.\n" +
			"Go and Rust archives must hold an executable Linux bootstrap for the architecture.\n" +
			"Exits 1 when any archive fails.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "node", Usage: "node executable (default: node on PATH)"},
			&cli.StringFlag{Name: "arch", Value: "amd64", Usage: "architecture Go and Rust bootstraps must target"},
			&cli.StringFlag{Name: "parallel", Usage: "archives checked at once (default: number of CPUs)"},
			&cli.BoolFlag{Name: "json", Usage: "print the results as JSON on stdout"},
		},
		Action: e.verify,
	}
}

func (e *env) verify(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("verify needs one build output folder: zisi verify OUT_DIR")
	}
	parallel, err := parseParallel(c)
	if err != nil {
		return err
	}
	results, err := bundler.Verify(c.Context, c.Args().First(), bundler.VerifyOptions{
		Node: c.String("node"), Arch: c.String("arch"), Parallel: parallel,
	})
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		switch {
		case !r.OK:
			failed++
			fmt.Fprintf(e.stderr, "FAIL  %s (%s): %s\n", r.Name, r.Path, r.Error)
		case r.HandlerError != "" && r.HandlerFrame != "":
			fmt.Fprintf(e.stderr, "ok    %s: loads; the handler threw with the test event: %s (at %s)\n", r.Name, firstLine(r.HandlerError), r.HandlerFrame)
		case r.HandlerError != "":
			fmt.Fprintf(e.stderr, "ok    %s: loads; the handler threw with the test event after its code ran: %s\n", r.Name, firstLine(r.HandlerError))
		case r.Note != "":
			fmt.Fprintf(e.stderr, "ok    %s: loads; %s\n", r.Name, r.Note)
		case r.StatusCode != 0:
			fmt.Fprintf(e.stderr, "ok    %s: status %d\n", r.Name, r.StatusCode)
		default:
			fmt.Fprintf(e.stderr, "ok    %s\n", r.Name)
		}
	}
	if c.Bool("json") {
		if err := e.printJSON(nonNil(results)); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return errReported
	}
	return nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
