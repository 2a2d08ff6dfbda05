package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// hoistFlags moves a subcommand's flags in front of its positional
// arguments, so `zisi build src out --json` works like `zisi build --json
// src out`. urfave/cli v2 stops parsing flags at the first positional; the
// reference CLI (yargs) accepts flags anywhere, and so do users. A "--"
// ends flag parsing as usual; a folder whose name starts with "-" goes
// after it.
func hoistFlags(cmds []*cli.Command, args []string) []string {
	if len(args) == 0 {
		return args
	}
	var cmd *cli.Command
	for _, c := range cmds {
		if c.HasName(args[0]) {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	takesValue["help"], takesValue["h"] = false, false
	var flags, positional []string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		value, known := takesValue[name]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		// An unknown flag is hoisted too, so that it is reported (with a
		// suggestion) rather than taken for a folder.
		flags = append(flags, a)
		if !known {
			continue
		}
		if value && !hasValue && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append([]string{args[0]}, flags...)
	return append(out, positional...)
}
