package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks mistakes in the command line itself (exit code 2).
// cmd is the command whose usage was wrong, for the pointer to its help.
type usageError struct{ msg, cmd string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// env is the process environment the CLI reads, passed in so tests can
// set it without touching the real one.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	environ        func() []string
	// interactive is true when stderr is a terminal (live progress line).
	interactive bool
}

// Run executes the zisi command line with args (without the program
// name) and returns the exit code: 0 on success, 1 when a build or
// listing failed, 2 for usage errors.
//
// Runs are serialized: urfave/cli v2 writes package-level state (its
// shared help flag) while parsing, so two Runs at once in one process would
// race. Programs that build concurrently should call the bundler package.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	runMu.Lock()
	defer runMu.Unlock()
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv, environ: os.Environ, interactive: isTerminal(stderr)}
	return e.run(ctx, args)
}

func (e *env) run(ctx context.Context, args []string) int {
	// Shell completion appends completionFlag to the words typed so far;
	// it must stay last, after the flags are hoisted.
	words, completing := args, false
	if n := len(args); n > 0 && args[n-1] == completionFlag {
		words, completing = args[:n-1], true
		// urfave/cli turns completion off after a "--" and would run the
		// command; past "--" only folders come, which the shell lists.
		if slices.Contains(words, "--") {
			return exitOK
		}
	}
	app := e.app(words)
	argv := append([]string{"zisi"}, hoistFlags(app.Commands, words)...)
	if completing {
		argv = append(argv, completionFlag)
	}
	err := app.RunContext(ctx, argv)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		help := "zisi --help"
		if ue.cmd != "" {
			help = "zisi help " + ue.cmd
		}
		fmt.Fprintf(e.stderr, "zisi: %v\nRun '%s' for usage.\n", err, help)
		return exitUsage
	case errors.Is(err, errReported):
		return exitFailure
	default:
		fmt.Fprintf(e.stderr, "zisi: %v\n", err)
		return exitFailure
	}
}

var runMu sync.Mutex

// errReported means the failure was already printed in detail.
var errReported = errors.New("reported")

// app is zisi's command line; words are the arguments, for shell
// completion.
func (e *env) app(words []string) *cli.App {
	commands := []*cli.Command{e.buildCommand(), e.listCommand(false), e.listCommand(true), e.whyCommand(), e.verifyCommand(), e.cacheCommand(), e.versionCommand(), e.helpCommand(), e.completionCommand()}
	for _, c := range commands {
		c.OnUsageError = usageErrorFor(c.Name, func() []cli.Flag { return c.Flags })
		c.Action = forCommand(c.Name, c.Action)
		c.HideHelpCommand = true
		c.BashComplete = e.completer(words, c)
	}
	app := &cli.App{
		Name:                 "zisi",
		Usage:                "build serverless functions into deployable archives",
		Version:              strings.TrimPrefix(currentVersion().String(), "zisi "),
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		HideHelpCommand:      true,
		EnableBashCompletion: true,
		BashComplete:         e.completer(words, nil),
		ExitErrHandler:       func(*cli.Context, error) {},
		CommandNotFound:      func(c *cli.Context, name string) {},
		Commands:             commands,
		// urfave/cli adds --help only when it adds its own help command;
		// zisi has its own.
		Flags: []cli.Flag{cli.HelpFlag},
	}
	app.OnUsageError = usageErrorFor("", func() []cli.Flag { return app.Flags })
	app.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			return unknownCommand(c.App.Commands, c.Args().First())
		}
		return cli.ShowAppHelp(c)
	}
	return app
}

// configFlag is a function because urfave/cli flags carry parse state and
// must not be shared between apps.
func goArchFlag() cli.Flag {
	return &cli.StringFlag{Name: "go-arch", Usage: "architecture of every Go function: amd64 or arm64 (default: netlify.toml's go_arch, else amd64)"}
}

// goArch reads --go-arch, refusing what no function could be built for.
func goArch(c *cli.Context) (string, error) {
	a := c.String("go-arch")
	if a != "" && !slices.Contains(config.GoArches, a) {
		return "", usagef("--go-arch must be one of %s, got %q", strings.Join(config.GoArches, ", "), a)
	}
	return a, nil
}

func featureFlagFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "feature-flag", Usage: "a feature flag of the reference, NAME (on) or NAME=true|false, e.g. zisi_pure_esm (repeatable; unknown names warn)"}
}

// featureFlags reads --feature-flag NAME[=BOOL] into Options.FeatureFlags
// (nil when none is given, so every flag keeps zisi's default). A value
// that is not a boolean is a usage error naming the flag.
func featureFlags(c *cli.Context) (map[string]bool, error) {
	vals := c.StringSlice("feature-flag")
	if len(vals) == 0 {
		return nil, nil
	}
	out := make(map[string]bool, len(vals))
	for _, v := range vals {
		name, raw, hasValue := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, usagef("--feature-flag needs a flag name, as NAME or NAME=true|false, got %q", v)
		}
		on := true
		if hasValue {
			b, err := strconv.ParseBool(strings.TrimSpace(raw))
			if err != nil {
				return nil, usagef("--feature-flag %s: %q is not a boolean; use %s=true or %s=false", name, raw, name, name)
			}
			on = b
		}
		out[name] = on
	}
	return out, nil
}

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Usage: "netlify.toml to read (default: ./netlify.toml when present)"}
}

// repositoryRootFlag is --repository-root, for build, list, files and
// why.
func repositoryRootFlag() cli.Flag {
	return &cli.StringFlag{Name: "repository-root", Usage: "root of the repository or workspace the site is in, where node_modules may be hoisted (default: the nearest git, pnpm or package.json workspaces root at or above the site)"}
}

func parseParallel(c *cli.Context) (int, error) {
	if !c.IsSet("parallel") {
		return 0, nil
	}
	n, err := strconv.Atoi(c.String("parallel"))
	if err != nil || n < 1 {
		return 0, usagef("--parallel must be a whole number of at least 1, got %q", c.String("parallel"))
	}
	return n, nil
}

func (e *env) nodeVersion(c *cli.Context) string {
	if v := c.String("node-version"); v != "" {
		return v
	}
	return e.getenv("AWS_LAMBDA_JS_RUNTIME")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func colorFlag() cli.Flag {
	return &cli.StringFlag{Name: "color", Value: "auto", Usage: "colour the output: auto (on a terminal, unless NO_COLOR is set), always or never"}
}

// painter is --color's choice: auto colours a terminal unless NO_COLOR
// is set (https://no-color.org).
func (e *env) painter(c *cli.Context) (painter, error) {
	switch c.String("color") {
	case "auto", "":
		return painter{on: e.interactive && e.getenv("NO_COLOR") == ""}, nil
	case "always":
		return painter{on: true}, nil
	case "never":
		return painter{}, nil
	}
	return painter{}, usagef("--color must be auto, always or never, got %q", c.String("color"))
}
