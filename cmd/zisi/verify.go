package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/bundler"
)

func (e *env) verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "prove each archive of a build loads before deploying it",
		ArgsUsage: "OUT_DIR",
		Description: "Reads OUT_DIR/manifest.json. Each Node.js archive is unzipped alone into an empty\n" +
			"temporary directory and loaded by node, with only PATH, HOME, TZ and LANG of your\n" +
			"environment (plus --env): a missing module, a load error or a module without a handler\n" +
			"export (v1) or default export function (v2) fails. Handlers are not called unless\n" +
			"--invoke is given: then each is called with a minimal API Gateway event (the\n" +
			"function's code runs on this machine; connections beyond the loopback are refused\n" +
			"unless --allow-network), and a handler that throws passes only once the function's own\n" +
			"code ran. Go and Rust archives must hold an executable Linux bootstrap for the\n" +
			"architecture. Exits 1 when any archive fails, or when OUT_DIR has no functions.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "node", Usage: "node executable (default: node on PATH)"},
			&cli.StringFlag{Name: "arch", Value: "amd64", Usage: "architecture Go and Rust bootstraps must target"},
			&cli.StringFlag{Name: "parallel", Usage: "archives checked at once (default: number of CPUs)"},
			&cli.BoolFlag{Name: "invoke", Usage: "call each handler with a test event: runs the functions' own code on this machine"},
			&cli.BoolFlag{Name: "allow-network", Usage: "with --invoke, let handlers reach hosts beyond the loopback"},
			&cli.StringSliceFlag{Name: "env", Usage: "KEY=VALUE passed to the functions (repeatable); nothing else of your environment but PATH, HOME, TZ and LANG is"},
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
	env := c.StringSlice("env")
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return usagef("--env wants KEY=VALUE, got %q", kv)
		}
	}
	invoke := c.Bool("invoke")
	if c.Bool("allow-network") && !invoke {
		fmt.Fprintln(e.stderr, "warning: --allow-network does nothing without --invoke (no handler is called)")
	}
	if invoke {
		net := "connections beyond the loopback are refused (--allow-network lifts that)"
		if c.Bool("allow-network") {
			net = "with network access"
		}
		fmt.Fprintf(e.stderr, "note: --invoke calls every handler with a test event: the functions' own code runs on this machine, %s\n", net)
	}
	results, err := bundler.Verify(c.Context, c.Args().First(), bundler.VerifyOptions{
		Node: c.String("node"), Arch: c.String("arch"), Parallel: parallel,
		Invoke: invoke, AllowNetwork: c.Bool("allow-network"), Env: env,
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
		case r.Runtime == "js" && !r.Invoked:
			fmt.Fprintf(e.stderr, "ok    %s: loads\n", r.Name)
		default:
			fmt.Fprintf(e.stderr, "ok    %s\n", r.Name)
		}
	}
	if c.Bool("json") {
		if err := e.printJSON(nonNil(results)); err != nil {
			return err
		}
	}
	how := ""
	if !invoke {
		how = " (handlers not called; --invoke calls them)"
	}
	fmt.Fprintf(e.stderr, "%d passed, %d failed%s\n", len(results)-failed, failed, how)
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
