package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zisi-build/zisi/internal/suggest"
)

// completionFlag is the flag urfave/cli's shell completion appends to the
// words typed so far (EnableBashCompletion).
const completionFlag = "--generate-bash-completion"

// undefinedFlag is the start of the flag package's error for an unknown
// flag: "flag provided but not defined: -paralel".
const undefinedFlag = "flag provided but not defined: -"

// forCommand makes a usage error of action's name the command's, so
// that it points to `zisi help NAME`.
func forCommand(name string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		err := action(c)
		var ue *usageError
		if errors.As(err, &ue) && ue.cmd == "" && name != "help" {
			ue.cmd = name
		}
		return err
	}
}

// usageErrorFor is a command's OnUsageError: a usage error (exit 2), with
// the nearest of flags when the mistake is an unknown flag.
// cmd is the command's name, "" for zisi itself.
func usageErrorFor(cmd string, flags func() []cli.Flag) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, undefinedFlag); ok {
			if s := suggest.Closest(name, longFlagNames(flags())); s != "" {
				msg = fmt.Sprintf("%s; did you mean --%s?", msg, s)
			}
		}
		return &usageError{msg: msg, cmd: cmd}
	}
}

// longFlagNames lists flags' names of more than one letter, help included:
// a one-letter alias is never a likely intended spelling.
func longFlagNames(flags []cli.Flag) []string {
	names := []string{"help"}
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) > 1 {
				names = append(names, n)
			}
		}
	}
	return names
}

// unknownCommand is the usage error for `zisi NAME` when NAME is no
// command, with the nearest command's name when there is one.
func unknownCommand(cmds []*cli.Command, name string) error {
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	if s := suggest.Closest(name, names); s != "" {
		return usagef("unknown command %q; did you mean %q?", name, s)
	}
	return usagef("unknown command %q", name)
}

// helpCommand is `zisi help [COMMAND]`, the same text as `zisi --help` and
// `zisi COMMAND --help`. urfave/cli's own help command is not used: it
// would also add `zisi COMMAND help`, which looks like a positional.
func (e *env) helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help for zisi or for one command",
		ArgsUsage: "[COMMAND]",
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return cli.ShowAppHelp(c)
			case 1:
			default:
				return usagef("help takes one command name, got %d arguments", c.NArg())
			}
			name := c.Args().First()
			if c.App.Command(name) == nil {
				return unknownCommand(c.App.Commands, name)
			}
			return cli.ShowCommandHelp(c, name)
		},
	}
}

// completionScripts are the scripts `zisi completion SHELL` prints. Each
// asks zisi for the candidates by running the words typed so far with
// completionFlag appended (a partial flag included), and falls back to
// file names when zisi offers none (positionals are folders).
var completionScripts = map[string]string{
	"bash": `# zisi completion for bash: add to ~/.bashrc
#   source <(zisi completion bash)
_zisi_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ "$cur" == -* ]]; then words+=("$cur"); fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$("${words[@]}" ` + completionFlag + ` 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _zisi_complete zisi
`,
	"zsh": `#compdef zisi
# zisi completion for zsh: add to ~/.zshrc (after compinit)
#   source <(zisi completion zsh)
_zisi() {
  local -a words_ opts
  words_=("${(@)words[1,CURRENT-1]}")
  [[ "${words[CURRENT]}" == -* ]] && words_+=("${words[CURRENT]}")
  opts=("${(@f)$("${words_[@]}" ` + completionFlag + ` 2>/dev/null)}")
  if [[ -n "${opts[1]}" ]]; then compadd -a opts; else _files; fi
}
compdef _zisi zisi
`,
	"fish": `# zisi completion for fish: save as ~/.config/fish/completions/zisi.fish
#   zisi completion fish > ~/.config/fish/completions/zisi.fish
function __zisi_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    if string match -q -- '-*' $cur
        set -a words $cur
    end
    $words ` + completionFlag + ` 2>/dev/null
end
complete -c zisi -f -a '(__zisi_complete)'
complete -c zisi -F -n 'test -z "(__zisi_complete)"'
`,
}

// completionCommand is `zisi completion bash|zsh|fish`.
func (e *env) completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "Completes commands and flags; arguments complete as file names. For example:\n" +
			"  source <(zisi completion bash)\n" +
			"  zisi completion fish > ~/.config/fish/completions/zisi.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion needs a shell: zisi completion bash|zsh|fish")
			}
			script, ok := completionScripts[c.Args().First()]
			if !ok {
				return usagef("completion: unknown shell %q; zisi has scripts for bash, zsh and fish", c.Args().First())
			}
			_, err := fmt.Fprint(e.stdout, script)
			return err
		},
	}
}

// completer prints the candidates for the word after args[:n] during shell
// completion: the commands at the top, a command's flags when the word
// being completed starts with "-", the shells after `completion` and the
// commands after `help`. Otherwise nothing, and the shell lists files.
// It reads the words from the command line zisi was given rather than
// os.Args (urfave/cli's default does), so Run works in-process.
func (e *env) completer(words []string, cmd *cli.Command) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		cur := ""
		if len(words) > 0 {
			cur = words[len(words)-1]
		}
		var out []string
		switch {
		case cmd == nil:
			for _, sc := range c.App.Commands {
				if !sc.Hidden {
					out = append(out, sc.Name)
				}
			}
		case strings.HasPrefix(cur, "-"):
			prefix := strings.TrimLeft(cur, "-")
			for _, n := range longFlagNames(cmd.Flags) {
				if strings.HasPrefix(n, prefix) {
					out = append(out, "--"+n)
				}
			}
		case cmd.Name == "completion":
			out = []string{"bash", "fish", "zsh"}
		case cmd.Name == "cache":
			out = []string{"clean", "stats"}
		case cmd.Name == "help":
			for _, sc := range c.App.Commands {
				out = append(out, sc.Name)
			}
		}
		for _, s := range out {
			fmt.Fprintln(e.stdout, s)
		}
	}
}
