package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evanw/esbuild/pkg/api"
)

// helpersModule provides the v1 schedule() and stream() helpers.
const helpersModule = "@netlify/functions"

// ErrConfig classifies a user error in a function's source configuration.
var ErrConfig = errors.New("invalid in-source configuration")

// ConfigError is the reference's FunctionBundlingUserError for in-source
// configuration: the message names the function and the key.
type ConfigError struct {
	Function string
	Msg      string
}

func (e *ConfigError) Error() string { return e.Msg }

// Is makes ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// Analysis is what a main file says about its function.
type Analysis struct {
	// Parsed is false when the file could not be read or parsed; the
	// reference then reports no runtimeAPIVersion at all.
	Parsed bool
	// APIVersion is 2 for a default export without a handler export.
	APIVersion int
	// InputModuleFormat is "esm" when the file has top-level import or
	// export declarations, else "cjs".
	InputModuleFormat string
	// ESMSyntax is what es-module-lexer sees: any import or export,
	// including import() and import.meta inside CommonJS.
	ESMSyntax bool
	// Schedule and InvocationMode come from v1 helpers (schedule(),
	// stream()) or v2 configuration (background → "background").
	Schedule       string
	InvocationMode string
	// Config is the validated v2 configuration; nil for v1.
	Config             *Config
	EventSubscriptions []string
}

// eventHandlers maps default-export method names to event names.
var eventHandlers = map[string]string{
	"deployBuilding": "deploy_building", "deploySucceeded": "deploy_succeeded", "deployFailed": "deploy_failed",
	"deployDeleted": "deploy_deleted", "deployLocked": "deploy_locked", "deployUnlocked": "deploy_unlocked",
	"formSubmitted": "submission_created", "userLogin": "identity_login", "userSignup": "identity_signup",
	"userValidate": "identity_validate", "userModified": "identity_usermodified", "userDeleted": "identity_userdeleted",
	"fetch": "fetch",
}

// AnalyzeFile reads and analyses a function's main file.
func AnalyzeFile(path, functionName string) (*Analysis, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return &Analysis{}, nil
	}
	return Analyze(string(data), filepath.Ext(path), functionName)
}

// Loaders are esbuild's loaders for the source extensions functions and
// the files they import may have; every part of zisi that parses source
// reads this one table.
var Loaders = map[string]api.Loader{
	".js": api.LoaderJS, ".cjs": api.LoaderJS, ".mjs": api.LoaderJS, ".jsx": api.LoaderJSX,
	".ts": api.LoaderTS, ".mts": api.LoaderTS, ".cts": api.LoaderTS, ".tsx": api.LoaderTSX,
}

// LoaderSyntax is how CheckNesting reads what an esbuild loader parses
// (SyntaxNone for loaders that do not parse: text, files, binaries).
func LoaderSyntax(l api.Loader) Syntax {
	switch l {
	case api.LoaderJS:
		return SyntaxJS
	case api.LoaderJSX:
		return SyntaxJSX
	case api.LoaderTS:
		return SyntaxTS
	case api.LoaderTSX:
		return SyntaxTSX
	case api.LoaderJSON:
		return SyntaxJSON
	case api.LoaderCSS, api.LoaderLocalCSS, api.LoaderGlobalCSS:
		return SyntaxCSS
	}
	return SyntaxNone
}

// IsTypeScript reports whether ext is a TypeScript source extension.
func IsTypeScript(ext string) bool {
	l := Loaders[ext]
	return l == api.LoaderTS || l == api.LoaderTSX
}

// IsSource reports whether ext is JavaScript or TypeScript source.
func IsSource(ext string) bool { return Loaders[ext] != api.LoaderNone }

// Analyze analyses source text; ext selects JavaScript or TypeScript.
func Analyze(src, ext, functionName string) (*Analysis, error) {
	loader, ok := Loaders[ext]
	if !ok {
		loader = api.LoaderJS
	}
	if CheckNesting("", []byte(src), LoaderSyntax(loader)) != nil {
		// Too deep for esbuild's parser: read as unparsable, and the
		// bundler that would parse it says why.
		return &Analysis{}, nil
	}
	out := api.Transform(src, api.TransformOptions{Loader: loader, Target: api.ESNext, LogLevel: api.LogLevelSilent})
	if len(out.Errors) > 0 {
		return &Analysis{}, nil
	}
	m := read(lex(string(out.Code)))
	a := &Analysis{Parsed: true, APIVersion: 1, InputModuleFormat: "cjs", ESMSyntax: m.esmSyntax}
	if m.esmDecls {
		a.InputModuleFormat = "esm"
	}
	if len(m.handlerExports) == 0 && m.defaultExpr != nil {
		a.APIVersion = 2
		return a, a.v2(m, functionName)
	}
	return a, a.v1(m, functionName)
}

// module is what the top level of a file declares.
type module struct {
	bindings       map[string][]tok
	helpers        map[string]string // local name → schedule | stream
	handlerExports [][]tok
	defaultExpr    []tok
	configExpr     []tok
	esmDecls       bool
	esmSyntax      bool
}

func read(toks []tok) *module {
	m := &module{bindings: map[string][]tok{}, helpers: map[string]string{}}
	for i, t := range toks {
		if t.kind == tIdent && t.text == "import" && (i == 0 || toks[i-1].text != ".") {
			m.esmSyntax = true
		}
	}
	for _, st := range statements(toks) {
		m.statement(st)
	}
	return m
}

func (m *module) statement(st []tok) {
	first := st[0].text
	switch {
	case first == "import" && len(st) > 1 && st[1].text != "(" && st[1].text != ".":
		m.esmDecls = true
		m.importHelpers(st)
	case first == "export":
		m.esmDecls, m.esmSyntax = true, true
		m.exportStatement(st[1:])
	case first == "const" || first == "let" || first == "var":
		m.declaration(st[1:])
	case first == "function" || first == "async" && len(st) > 1 && st[1].text == "function":
		if name := declaredName(st); name != "" {
			m.bindings[name] = nil
		}
	case len(st) > 3 && first == "exports" && st[1].text == "." && st[3].text == "=":
		m.cjsExport(st[2].text, st[4:])
	case len(st) > 5 && first == "module" && st[1].text == "." && st[2].text == "exports" && st[3].text == "." && st[5].text == "=":
		m.cjsExport(st[4].text, st[6:])
	}
}

func declaredName(st []tok) string {
	for i, t := range st {
		if t.text == "function" || t.text == "class" {
			if i+1 < len(st) && st[i+1].text == "*" {
				i++
			}
			if i+1 < len(st) && st[i+1].kind == tIdent {
				return st[i+1].text
			}
		}
	}
	return ""
}

func (m *module) cjsExport(name string, value []tok) {
	switch name {
	case "handler":
		m.handlerExports = append(m.handlerExports, value)
	case "default":
		m.defaultExpr = value
	case "config":
		m.configExpr = value
	}
}

// importHelpers records `import { schedule as s } from "@netlify/functions"`.
func (m *module) importHelpers(st []tok) {
	if last := st[len(st)-1]; last.kind != tString || mustUnquote(last.text) != helpersModule {
		return
	}
	for i, t := range st {
		if t.text != "{" {
			continue
		}
		end := i + matching(st[i:])
		m.bindNames(st[i+1:end], "as")
		return
	}
}

// bindNames reads `a as b, c` (or `a: b, c` for destructuring) and maps
// local names of the helpers to the helper.
func (m *module) bindNames(list []tok, sep string) {
	for i := 0; i < len(list); i++ {
		if list[i].kind != tIdent {
			continue
		}
		imported, local := list[i].text, list[i].text
		if i+2 < len(list) && list[i+1].text == sep && list[i+2].kind == tIdent {
			local = list[i+2].text
			i += 2
		}
		if imported == "schedule" || imported == "stream" {
			m.helpers[local] = imported
		}
	}
}

func (m *module) declaration(rest []tok) {
	if len(rest) == 0 {
		return
	}
	if rest[0].text == "{" {
		// const { schedule } = require("@netlify/functions")
		end := matching(rest)
		if end+4 < len(rest) && rest[end+1].text == "=" && rest[end+2].text == "require" && rest[end+4].kind == tString && mustUnquote(rest[end+4].text) == helpersModule {
			m.bindNames(rest[1:end], ":")
		}
		return
	}
	if rest[0].kind == tIdent {
		if len(rest) > 2 && rest[1].text == "=" {
			n := skipExpression(rest[2:])
			m.bindings[rest[0].text] = rest[2 : 2+n]
		} else {
			m.bindings[rest[0].text] = nil
		}
	}
}

func (m *module) exportStatement(rest []tok) {
	if len(rest) == 0 {
		return
	}
	switch rest[0].text {
	case "default":
		m.defaultExpr = rest[1:]
		if len(m.defaultExpr) == 0 {
			m.defaultExpr = []tok{{kind: tIdent, text: "undefined"}}
		}
	case "const", "let", "var":
		if len(rest) > 3 && rest[1].kind == tIdent && rest[2].text == "=" {
			name, value := rest[1].text, rest[3:3+skipExpression(rest[3:])]
			m.bindings[name] = value
			m.namedExport(name, value)
		}
	case "function", "async", "class":
		if name := declaredName(rest); name != "" {
			m.bindings[name] = nil
			m.namedExport(name, nil)
		}
	case "{":
		end := matching(rest)
		list := rest[1:end]
		fromModule := end+2 < len(rest) && rest[end+1].text == "from"
		for i := 0; i < len(list); i++ {
			if list[i].kind != tIdent && list[i].kind != tString {
				continue
			}
			local, exported := mustUnquote(list[i].text), mustUnquote(list[i].text)
			if i+2 < len(list) && list[i+1].text == "as" {
				exported = mustUnquote(list[i+2].text)
				i += 2
			}
			var value []tok
			if !fromModule {
				value = m.bindings[local]
			}
			if exported == "default" {
				if value == nil {
					value = []tok{{kind: tIdent, text: local}}
				}
				m.defaultExpr = value
				continue
			}
			m.namedExport(exported, value)
		}
	}
}

func (m *module) namedExport(name string, value []tok) {
	switch name {
	case "handler":
		m.handlerExports = append(m.handlerExports, value)
	case "config":
		m.configExpr = value
		if value == nil {
			m.configExpr = []tok{}
		}
	}
}

func mustUnquote(s string) string {
	if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		if u, err := unquote(s); err == nil {
			return u
		}
	}
	return s
}

// resolveObject follows an identifier to the object literal bound to it.
func (m *module) resolveObject(expr []tok) *object {
	if len(expr) == 1 && expr[0].kind == tIdent {
		expr = m.bindings[expr[0].text]
	}
	if len(expr) == 0 || expr[0].text != "{" {
		return nil
	}
	v, n := parseValue(expr)
	o, ok := v.(*object)
	if !ok || n != len(expr) {
		return nil
	}
	return o
}

// v1 looks for schedule()/stream() wrapping a handler export.
func (a *Analysis) v1(m *module, fn string) error {
	scheduleImported := false
	for _, h := range m.helpers {
		scheduleImported = scheduleImported || h == "schedule"
	}
	found, cron := false, false
	for _, value := range m.handlerExports {
		if len(value) < 3 || value[0].kind != tIdent || value[1].text != "(" {
			continue
		}
		switch m.helpers[value[0].text] {
		case "schedule":
			found = true
			args := value[2:]
			arg := args[:skipExpression(args)]
			if len(arg) == 1 && arg[0].kind == tIdent {
				arg = m.bindings[arg[0].text]
			}
			if len(arg) == 1 && arg[0].kind == tString {
				a.Schedule, cron = mustUnquote(arg[0].text), true
			}
		case "stream":
			a.InvocationMode = "stream"
		}
	}
	if !scheduleImported {
		return nil
	}
	if !found {
		return &ConfigError{Function: fn, Msg: "The `schedule` helper was imported but we couldn't find any usages. If you meant to schedule a function, please check that `schedule` is invoked and `handler` correctly exported."}
	}
	if !cron {
		return &ConfigError{Function: fn, Msg: "Unable to find cron expression for scheduled function. The cron expression (first argument) for the `schedule` helper needs to be accessible inside the file and cannot be imported."}
	}
	return nil
}

// v2 reads the configuration and event handlers of a v2 function.
func (a *Analysis) v2(m *module, fn string) error {
	def := m.resolveObject(m.defaultExpr)
	if def != nil {
		for _, k := range def.keys {
			if e, ok := eventHandlers[k]; ok {
				a.EventSubscriptions = append(a.EventSubscriptions, e)
			}
		}
	}
	var cfg *object
	switch {
	case m.configExpr != nil:
		cfg = m.resolveObject(m.configExpr)
	case def != nil:
		if v, ok := def.get("config"); ok {
			cfg, _ = v.(*object)
		}
	}
	if cfg == nil {
		cfg = &object{vals: map[string]any{}}
	}
	c, err := validate(cfg)
	if err != nil {
		return &ConfigError{Function: fn, Msg: fmt.Sprintf("Function %s has a configuration error on %s", fn, err.Error())}
	}
	a.Config = c
	if c.Background != nil && *c.Background {
		a.InvocationMode = "background"
	}
	return nil
}
