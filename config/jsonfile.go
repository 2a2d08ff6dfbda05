package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/internal/suggest"
)

// JSONFile is a function's JSON configuration file: <main>.json beside
// its main file (hello.mjs → hello.json), as frameworks write them into
// .netlify/functions-internal, with the reference's shape:
//
//	{"version": 1, "config": {"name": "…", "generator": "…", "includedFiles": […]}}
//
// Keys are the camelCase names of build results' config.
type JSONFile struct {
	Path   string
	Config FunctionConfig
	// Present lists the keys the file sets, in file order: each replaces
	// the value netlify.toml gave (a shallow spread, arrays included).
	Present  []string
	Warnings []Warning
}

// JSONFilePath is where a function's JSON configuration file would be.
func JSONFilePath(mainFile string) string {
	base := filepath.Base(mainFile)
	return filepath.Join(filepath.Dir(mainFile), strings.TrimSuffix(base, filepath.Ext(base))+".json")
}

// ReadJSONFile reads the JSON configuration file of the function whose main
// file is mainFile. It returns nil and no error when there is none. Bad
// JSON, a version other than 1 or a bad value is an *Error naming the file,
// the line and the key (the reference ignores such files silently, so the
// function would deploy without the settings its framework meant).
func ReadJSONFile(mainFile string) (*JSONFile, error) {
	path := JSONFilePath(mainFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrInvalid):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return ParseJSONFile(path, data)
}

// ParseJSONFile validates the content of a function's JSON configuration
// file; path names it in errors and anchors includedFilesBasePath.
func ParseJSONFile(path string, data []byte) (*JSONFile, error) {
	f := &JSONFile{Path: path}
	file := &File{Path: path, BaseDir: filepath.Dir(path)}
	doc, d, err := decodeJSON(file, data, `a JSON object such as {"version": 1, "config": {…}}`)
	if err != nil {
		return nil, err
	}
	// JSON has one number type: 1 and 1.0 are the same version.
	if v := doc["version"]; v != int64(1) && v != float64(1) {
		return nil, d.errorf([]string{"version"}, "must be 1 (the only version of function configuration files), got %s", render(doc["version"]))
	}
	raw, ok := doc["config"]
	if !ok {
		return f, nil
	}
	cfg, ok := raw.(map[string]any)
	if !ok {
		return nil, d.errorf([]string{"config"}, "must be an object, got %s", typeName(raw))
	}
	names := slices.SortedFunc(maps.Keys(cfg), func(a, b string) int {
		la, ca := d.pos.at("config", a)
		lb, cb := d.pos.at("config", b)
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(ca, cb))
	})
	for _, name := range names {
		path := []string{"config", name}
		v := cfg[name]
		if name == "includedFilesBasePath" {
			s, err := d.str(path, v)
			if err != nil {
				return nil, err
			}
			f.Config.IncludedFilesBasePath = d.dir(s)
			f.Present = append(f.Present, name)
			continue
		}
		k, ok := jsonKey(name)
		if !ok {
			msg := "unknown key, ignored"
			if s := suggest.Closest(name, jsonNames()); s != "" {
				msg = fmt.Sprintf("unknown key, ignored; did you mean %q?", s)
			}
			d.warnf(path, "%s", msg)
			continue
		}
		if err := k.fromJSON(d, path, v, &f.Config); err != nil {
			return nil, err
		}
		f.Present = append(f.Present, name)
	}
	if !slices.Contains(f.Present, "includedFilesBasePath") {
		// Relative to the site's base, as netlify.toml's would be, unless
		// the file says otherwise.
		f.Config.IncludedFilesBasePath = ""
	}
	f.Warnings = file.Warnings
	return f, nil
}

// decodeJSON decodes a JSON configuration document of file into
// netlify.toml's value types (see jsonValue), with a decoder whose errors
// point at file's lines; want names the expected shape in the error for
// a document that is not an object.
func decodeJSON(file *File, data []byte, want string) (map[string]any, *decoder, error) {
	pos, err := jsonPositions(data)
	if err != nil {
		return nil, nil, err.(*jsonSyntaxError).at(file.Path, data)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return nil, nil, &Error{File: file.Path, Msg: "must be " + want}
	}
	doc, _ = jsonValue(doc).(map[string]any)
	return doc, &decoder{file: file, pos: pos}, nil
}

// fromJSON validates a JSON configuration file's value for k. Keys that
// netlify.toml has are checked as there; nodeBundler takes the
// reference's names as they are ("esbuild" is esbuild without the zisi
// fallback); keys only in-source configuration has are checked as there.
func (k Key) fromJSON(d *decoder, path []string, v any, fc *FunctionConfig) error {
	switch {
	case k.JSON == "nodeBundler":
		s, ok := v.(string)
		if !ok || !slices.Contains(sourceBundles, s) {
			return d.errorf(path, "%s is not one of %s", render(v), strings.Join(sourceBundles, ", "))
		}
		fc.NodeBundler = s
		return nil
	case k.TOML != "" || k.FileOnly:
		return k.value.fromTOML(d, path, v, fc)
	default:
		if err := k.value.fromSource(k.JSON, v, fc); err != nil {
			return d.errorf(path, "%v", err)
		}
		return nil
	}
}

// Apply lays the file's configuration over base the way the reference
// does: every key the file sets replaces base's value (arrays are not
// concatenated), and when the file sets memory or vcpu, that pair replaces
// base's pair.
func (f *JSONFile) Apply(base FunctionConfig) FunctionConfig {
	if f == nil {
		return base
	}
	out := base
	for _, name := range f.Present {
		if name == "includedFilesBasePath" {
			out.IncludedFilesBasePath = f.Config.IncludedFilesBasePath
			continue
		}
		if k, ok := jsonKey(name); ok {
			k.value.set(&out, f.Config)
		}
	}
	if f.Config.Memory != 0 || f.Config.Vcpu != 0 {
		out.Memory, out.Vcpu = f.Config.Memory, f.Config.Vcpu
	}
	return out
}

// jsonKey finds the key a JSON configuration file calls name.
func jsonKey(name string) (Key, bool) {
	for _, k := range keys {
		if k.JSON == name {
			return k, true
		}
	}
	return Key{}, false
}

func jsonNames() []string {
	names := []string{"includedFilesBasePath"}
	for _, k := range keys {
		names = append(names, k.JSON)
	}
	return names
}

// jsonValue turns decoded JSON into the values netlify.toml's validators
// take: whole numbers as int64, others as float64.
func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonValue(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

// jsonPositions indexes where each key of a JSON document is, as
// positions does for netlify.toml.
func jsonPositions(data []byte) (*positions, error) {
	pos := newPositions()
	lines := lineStarts(data)
	at := func(off int64) [2]int {
		line, _ := slices.BinarySearch(lines, int(off)+1)
		return [2]int{line, int(off) - lines[line-1] + 1}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// Each open container: its path, whether it is an object, and
	// whether the next token of an object is a key.
	type frame struct {
		path   []string
		object bool
		key    bool
	}
	var stack []frame
	var pending []string // the path of the value about to be read
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return pos, nil
		}
		if err != nil {
			return nil, &jsonSyntaxError{err: err, off: dec.InputOffset()}
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
			if s, ok := tok.(string); ok {
				// The offset is before the separator that precedes the key.
				rest := data[off:]
				skip := bytes.IndexByte(rest, '"')
				p := append(slices.Clone(stack[n-1].path), s)
				id := 0
				for _, part := range p {
					id = pos.child(id, part)
				}
				lc := at(off + int64(max(skip, 0)))
				pos.define(id, lc[0], lc[1])
				pending = p
				stack[n-1].key = false
				continue
			}
		}
		valuePath := pending
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{path: valuePath, object: true, key: true})
		case json.Delim('['):
			stack = append(stack, frame{path: valuePath})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].key = true
			}
		}
	}
}

// jsonSyntaxError is a JSON syntax error at a byte offset.
type jsonSyntaxError struct {
	err error
	off int64
}

func (e *jsonSyntaxError) Error() string { return e.err.Error() }

func (e *jsonSyntaxError) at(path string, data []byte) error {
	off := e.off
	var se *json.SyntaxError
	if errors.As(e.err, &se) {
		off = se.Offset
	}
	lines := lineStarts(data)
	line, _ := slices.BinarySearch(lines, int(off)+1)
	line = max(line, 1)
	col := int(off) - lines[line-1] + 1
	return &Error{File: path, Line: line, Column: col, Msg: "invalid JSON: " + e.err.Error() + "; fix the file or delete it (it is read for the function whose main file it sits beside)"}
}

// moduleFormat is nodeModuleFormat: "cjs" or "esm".
func (d *decoder) moduleFormat(path []string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || ValidateNodeModuleFormat(s) != nil {
		return "", d.errorf(path, "%s is not one of %s", render(v), strings.Join(ModuleFormats, ", "))
	}
	return s, nil
}
