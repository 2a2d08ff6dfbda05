package node

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// ImportKind is how a file refers to a module.
type ImportKind string

// Import kinds, in esbuild's vocabulary.
const (
	KindRequire        ImportKind = "require-call"
	KindImport         ImportKind = "import-statement"
	KindDynamicImport  ImportKind = "dynamic-import"
	KindRequireResolve ImportKind = "require-resolve"
)

// Import is one literal module reference found in a source file.
type Import struct {
	Specifier string
	Kind      ImportKind
}

// Message is a warning or error located in a source file.
type Message struct {
	Text   string
	File   string
	Line   int // 1-based
	Column int // 0-based, as esbuild reports it
	// Notes add context (esbuild's "The package ... was not found", say).
	Notes []Message
}

// String renders the location for people: file:line:column, 1-based.
func (m Message) String() string {
	switch {
	case m.File == "":
		return m.Text
	case m.Line == 0:
		return fmt.Sprintf("%s: %s", m.File, m.Text)
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.File, m.Line, m.Column+1, m.Text)
}

// SourceError is a syntax error in a function's source, with its location.
type SourceError struct{ Message }

func (e *SourceError) Error() string { return "syntax error: " + e.Message.String() }

// scanned is what one source file refers to.
type scanned struct {
	imports []Import
	// globFiles are the files matched by template-literal or concatenated
	// requires with a static prefix (require(`./locales/${l}.json`)).
	globFiles []string
	warnings  []Message
	// esm is set when the file uses ESM syntax (import/export
	// declarations, import.meta, top-level await).
	esm bool
	// syntax is set when the file could not be parsed.
	syntax *Message
}

// Scanner lists the imports of source files with esbuild's parser, once
// per file per build. It is safe for concurrent use.
type Scanner struct {
	mu    sync.Mutex
	files map[string]*scanEntry
}

type scanEntry struct {
	once sync.Once
	res  *scanned
}

// NewScanner returns an empty Scanner.
func NewScanner() *Scanner { return &Scanner{files: map[string]*scanEntry{}} }

// scannable reports whether the file is JavaScript or TypeScript source.
func scannable(path string) bool {
	switch filepath.Ext(path) {
	case ".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts":
		return true
	}
	return false
}

// scan parses path (cached).
func (s *Scanner) scan(path string) *scanned {
	s.mu.Lock()
	e, ok := s.files[path]
	if !ok {
		e = &scanEntry{}
		s.files[path] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.res = scanFile(path) })
	return e.res
}

var scanLoaders = map[string]api.Loader{
	".js": api.LoaderJS, ".cjs": api.LoaderJS, ".mjs": api.LoaderJS, ".jsx": api.LoaderJSX,
	".ts": api.LoaderTS, ".mts": api.LoaderTS, ".cts": api.LoaderTS, ".tsx": api.LoaderTSX,
	".json": api.LoaderJSON,
}

// scanFile runs esbuild on one file with every import marked external, so
// esbuild parses just this file (plus files matched by glob-style
// requires, which it expands itself) and reports each literal specifier
// to the plugin. Requires it cannot analyse come back as warnings.
func scanFile(path string) *scanned {
	res := &scanned{}
	var mu sync.Mutex
	plugin := api.Plugin{Name: "zisi-scan", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			if a.Kind == api.ResolveEntryPoint {
				return api.OnResolveResult{}, nil
			}
			if a.Importer == path {
				mu.Lock()
				res.imports = append(res.imports, Import{Specifier: a.Path, Kind: importKind(a.Kind)})
				mu.Unlock()
			}
			return api.OnResolveResult{Path: a.Path, External: true}, nil
		})
		// Files a glob matches may be of any type; only their names matter.
		b.OnLoad(api.OnLoadOptions{Filter: ".*"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			if a.Path == path || scanLoaders[filepath.Ext(a.Path)] != api.LoaderNone {
				return api.OnLoadResult{}, nil
			}
			empty := ""
			return api.OnLoadResult{Contents: &empty, Loader: api.LoaderEmpty}, nil
		})
	}}
	out := api.Build(api.BuildOptions{
		EntryPoints:   []string{path},
		AbsWorkingDir: "/",
		Bundle:        true,
		Write:         false,
		Metafile:      true,
		Platform:      api.PlatformNode,
		Format:        api.FormatESModule,
		Target:        api.ESNext,
		Loader:        scanLoaders,
		TsconfigRaw:   "{}",
		LogLevel:      api.LogLevelSilent,
		LogOverride: map[string]api.LogLevel{
			"unsupported-require-call":   api.LogLevelWarning,
			"unsupported-dynamic-import": api.LogLevelWarning,
		},
		Plugins: []api.Plugin{plugin},
	})
	for _, m := range out.Errors {
		msg := toMessage(m)
		res.syntax = &msg
		return res
	}
	for _, m := range out.Warnings {
		call := map[string]string{"unsupported-require-call": "require()", "unsupported-dynamic-import": "import()"}[m.ID]
		if call == "" {
			continue
		}
		msg := toMessage(m)
		msg.Text = call + " with an argument that is not a string literal: zisi cannot tell which module it loads; if that module is not imported elsewhere, list its files in included_files in netlify.toml"
		res.warnings = append(res.warnings, msg)
	}
	var meta struct {
		Inputs map[string]struct {
			Format string `json:"format"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(out.Metafile), &meta); err == nil {
		for in, v := range meta.Inputs {
			abs := "/" + strings.TrimPrefix(in, "/")
			if abs != path {
				res.globFiles = append(res.globFiles, abs)
			} else {
				res.esm = v.Format == "esm"
			}
		}
		slices.Sort(res.globFiles)
	}
	return res
}

func importKind(k api.ResolveKind) ImportKind {
	switch k {
	case api.ResolveJSImportStatement:
		return KindImport
	case api.ResolveJSDynamicImport:
		return KindDynamicImport
	case api.ResolveJSRequireResolve:
		return KindRequireResolve
	}
	return KindRequire
}

func toMessage(m api.Message) Message {
	msg := Message{Text: m.Text}
	if m.Location != nil {
		msg.File = m.Location.File
		if !filepath.IsAbs(msg.File) {
			msg.File = "/" + msg.File
		}
		msg.Line, msg.Column = m.Location.Line, m.Location.Column
	}
	return msg
}

// locate finds where specifier is written in file (its first quoted
// occurrence) for messages about it: 1-based line, 0-based column, as
// esbuild reports; line 0 when unknown.
func locate(file, specifier string) (line, column int) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	src := string(data)
	best := -1
	for _, q := range []string{`"`, `'`, "`"} {
		if i := strings.Index(src, q+specifier+q); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return 0, 0
	}
	line = strings.Count(src[:best], "\n") + 1
	return line, best - (strings.LastIndex(src[:best], "\n") + 1)
}
