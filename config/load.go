package config

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/zisi-build/zisi/internal/suggest"
)

// File is a loaded netlify.toml.
type File struct {
	// Path is the file's absolute path.
	Path string
	// BaseDir is the directory holding the file: the site's base directory,
	// against which `directory` and `included_files` are resolved.
	BaseDir string
	// FunctionsDirectory is `[functions] directory` (or the legacy
	// `[build] functions`) made absolute; empty when unset.
	FunctionsDirectory string
	// Functions holds the glob-keyed function configuration.
	Functions Config
	// Warnings lists problems that do not stop a build (unknown keys).
	Warnings []Warning
}

// netlifyOnlyKeys are valid netlify.toml function keys that concern other
// tools (Edge Functions); they are accepted silently.
var netlifyOnlyKeys = []string{"deno_import_map"}

// Load reads and validates a netlify.toml. Problems that make the file
// unusable are returned as *Error (matching ErrInvalid); unknown keys become
// warnings.
func Load(path string) (*File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return Parse(abs, data)
}

// Parse validates netlify.toml content; path names it in errors and
// anchors relative directories.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, BaseDir: filepath.Dir(path)}
	doc, pos, err := decodeTOML(path, data)
	if err != nil {
		return nil, err
	}
	d := decoder{file: f, pos: pos}
	d.topLevel(doc)
	// Netlify's configuration accepts [Build] and its capitalised keys
	// (normalizeConfigCase in @netlify/config).
	buildTable := "build"
	build, ok := doc[buildTable].(map[string]any)
	if !ok {
		buildTable = "Build"
		build, _ = doc[buildTable].(map[string]any)
	}
	if build != nil {
		d.buildKeys(buildTable, build)
		dir, ok := build["functions"].(string)
		if !ok {
			dir, _ = build["Functions"].(string)
		}
		if dir != "" {
			f.FunctionsDirectory = d.dir(dir)
		}
	}
	raw, present := doc["functions"]
	if !present {
		return f, nil
	}
	fns, ok := raw.(map[string]any)
	if !ok {
		return nil, d.errorf([]string{"functions"}, "must be a table, got %s", typeName(raw))
	}
	if err := d.functions(fns); err != nil {
		return nil, err
	}
	return f, nil
}

type decoder struct {
	file *File
	pos  *positions
}

func (d *decoder) errorf(path []string, format string, args ...any) error {
	line, col := d.pos.at(path...)
	return &Error{File: d.file.Path, Line: line, Column: col, Key: FormatKey(path...), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) warnf(path []string, format string, args ...any) {
	line, _ := d.pos.at(path...)
	d.file.Warnings = append(d.file.Warnings, Warning{File: d.file.Path, Line: line, Key: FormatKey(path...), Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) dir(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.file.BaseDir, p)
}

// functions normalises [functions] the way @netlify/config does: known
// property keys at its top apply to "*", every other key is a glob pattern
// whose table holds properties.
func (d *decoder) functions(fns map[string]any) error {
	star := map[string]any{}
	type section struct {
		glob  string
		table map[string]any
		line  int
	}
	var sections []section
	for _, key := range slices.Sorted(maps.Keys(fns)) {
		v := fns[key]
		path := []string{"functions", key}
		switch {
		case key == "directory":
			s, ok := v.(string)
			if !ok {
				return d.errorf(path, "must be a string, got %s", typeName(v))
			}
			d.file.FunctionsDirectory = d.dir(s)
		case isProperty(key) && !isPropertyTable(v):
			star[key] = v
		default:
			t, ok := v.(map[string]any)
			if !ok {
				if s := suggest.Closest(key, append(propertyNames(), "directory")); s != "" {
					d.warnf(path, "unknown key, ignored; did you mean %q?", s)
				} else {
					d.warnf(path, "unknown key, ignored (a function pattern must be a table such as [functions.%q])", key)
				}
				continue
			}
			line, _ := d.pos.at(path...)
			sections = append(sections, section{glob: key, table: t, line: line})
		}
	}
	d.file.Functions.Patterns = slices.Grow(d.file.Functions.Patterns, len(sections)+1)
	if len(star) > 0 {
		fc, err := d.properties([]string{"functions"}, star)
		if err != nil {
			return err
		}
		d.file.Functions.Patterns = append(d.file.Functions.Patterns, Pattern{Glob: "*", Config: fc, Order: d.firstLine(star)})
	}
	for _, s := range sections {
		// Every function is matched against every key: a key whose braces
		// multiply out would make each match slow.
		if n := len(ExpandBraces(s.glob)); n > maxGlobExpansions {
			return d.errorf([]string{"functions", s.glob}, "the braces of this function name pattern expand to more than %d patterns; write fewer alternatives", maxGlobExpansions)
		}
		fc, err := d.properties([]string{"functions", s.glob}, s.table)
		if err != nil {
			return err
		}
		d.file.Functions.Patterns = append(d.file.Functions.Patterns, Pattern{Glob: s.glob, Config: fc, Order: s.line})
	}
	// Order by line, keeping the order above between patterns of one line.
	// Sorting indices: a stable sort of the Patterns themselves moved
	// O(n log² n) large structs.
	ps := d.file.Functions.Patterns
	idx := make([]int, len(ps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(ps[a].Order, ps[b].Order), a-b) })
	sorted := make([]Pattern, len(ps))
	for i, j := range idx {
		sorted[i] = ps[j]
		sorted[i].Order = i
	}
	d.file.Functions.Patterns = sorted
	return nil
}

func (d *decoder) firstLine(t map[string]any) int {
	first := math.MaxInt
	for k := range t {
		if l, _ := d.pos.at("functions", k); l > 0 && l < first {
			first = l
		}
	}
	return first
}

// propertyNames lists the per-function keys netlify.toml accepts, for
// "did you mean" hints.
func propertyNames() []string {
	names := slices.Clone(netlifyOnlyKeys)
	for _, k := range keys {
		if k.TOML != "" {
			names = append(names, k.TOML)
		}
	}
	return names
}

// netlifyTopLevel are netlify.toml's top-level keys, as Netlify's
// configuration and its documentation know them: none of them is ever
// taken for a misspelt [functions] or [build].
var netlifyTopLevel = []string{
	"Build", "build", "context", "database", "dev", "edge_functions", "functions", "headers",
	"images", "integrations", "plugins", "redirects", "split_tests", "template",
}

// topLevel warns about a top-level table or key near [functions] or
// [build] that is neither: Netlify ignores [function] or [Functions]
// silently, and so would the functions' configuration. Other unknown
// keys are Netlify's to judge.
func (d *decoder) topLevel(doc map[string]any) {
	type miss struct {
		key, near string
		line      int
	}
	var misses []miss
	for key := range doc {
		if slices.Contains(netlifyTopLevel, key) {
			continue
		}
		if s := suggest.Closest(key, []string{"functions", "build"}); s != "" {
			misses = append(misses, miss{key, s, d.tableLine(key, doc[key])})
		}
	}
	slices.SortFunc(misses, func(a, b miss) int { return cmp.Or(cmp.Compare(a.line, b.line), strings.Compare(a.key, b.key)) })
	for _, m := range misses {
		what := "key"
		if _, ok := doc[m.key].(map[string]any); ok {
			what = "table"
		}
		d.file.Warnings = append(d.file.Warnings, Warning{File: d.file.Path, Line: m.line, Key: FormatKey(m.key),
			Msg: fmt.Sprintf("unknown %s, ignored by zisi and Netlify; did you mean [%s]?", what, m.near)})
	}
}

// buildProperties are [build]'s keys in Netlify's configuration
// (BUILD_PROPERTIES in @netlify/config), each also capitalised.
var buildProperties = []string{"base", "command", "edge_functions", "environment", "functions", "ignore", "processing", "publish"}

// buildKeys warns about a [build] key near `functions` that is not one of
// [build]'s keys: a misspelt `functons = "fns"` would otherwise leave the
// site with its default folder, silently.
func (d *decoder) buildKeys(table string, build map[string]any) {
	for _, key := range slices.Sorted(maps.Keys(build)) {
		if key == "" {
			continue
		}
		uncapitalised := strings.ToLower(key[:1]) + key[1:]
		if slices.Contains(buildProperties, key) || slices.Contains(buildProperties, uncapitalised) || suggest.Closest(key, []string{"functions"}) == "" {
			continue
		}
		d.warnf([]string{table, key}, "unknown key, ignored by zisi and Netlify; did you mean \"functions\"?")
	}
}

// tableLine is the line of a top-level key, or for a table only defined
// through its subtables ([Functions."api-*"]) the first of theirs.
func (d *decoder) tableLine(key string, v any) int {
	if line, _ := d.pos.at(key); line > 0 {
		return line
	}
	t, _ := v.(map[string]any)
	first := 0
	for k := range t {
		if l, _ := d.pos.at(key, k); l > 0 && (first == 0 || l < first) {
			first = l
		}
	}
	return first
}

// isProperty reports whether key is a per-function key. Netlify's own
// normalisation moves these from the top of [functions] to the "*"
// pattern.
func isProperty(key string) bool {
	_, ok := tomlKey(key)
	return ok || slices.Contains(netlifyOnlyKeys, key)
}

// isPropertyTable reports whether v is a table whose keys are all property
// names: then `[functions.schedule]` names a function called "schedule".
func isPropertyTable(v any) bool {
	t, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k := range t {
		if !isProperty(k) {
			return false
		}
	}
	return true
}

// properties validates one pattern's table, each key as its table entry
// says (see Key).
func (d *decoder) properties(prefix []string, t map[string]any) (FunctionConfig, error) {
	var fc FunctionConfig
	for _, name := range slices.Sorted(maps.Keys(t)) {
		path := append(slices.Clone(prefix), name)
		k, ok := tomlKey(name)
		switch {
		case ok:
			if err := k.value.fromTOML(d, path, t[name], &fc); err != nil {
				return fc, err
			}
		case slices.Contains(netlifyOnlyKeys, name):
		default:
			if s := suggest.Closest(name, propertyNames()); s != "" {
				d.warnf(path, "unknown key, ignored; did you mean %q?", s)
			} else {
				d.warnf(path, "unknown key, ignored")
			}
		}
	}
	return fc, nil
}

func (d *decoder) stringList(path []string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, d.errorf(path, "must be an array of strings, got %s", typeName(v))
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, d.errorf(path, "element %d must be a string, got %s", i, typeName(item))
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *decoder) str(path []string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", d.errorf(path, "must be a string, got %s", typeName(v))
	}
	return s, nil
}

func (d *decoder) boolean(path []string, v any) (*bool, error) {
	b, ok := v.(bool)
	if !ok {
		return nil, d.errorf(path, "must be true or false, got %s", typeName(v))
	}
	return &b, nil
}

// maxGlobExpansions bounds what one [functions."…"] key's braces may
// expand to.
const maxGlobExpansions = 1024

// GoArches are the go_arch values accepted.
var GoArches = []string{"amd64", "arm64"}

func (d *decoder) goArch(path []string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || !slices.Contains(GoArches, s) {
		return "", d.errorf(path, "%s is not one of %s", render(v), strings.Join(GoArches, ", "))
	}
	return s, nil
}

func (d *decoder) bundler(path []string, v any) (string, error) {
	s, ok := v.(string)
	valid := []string{BundlerZisi, BundlerEsbuild, BundlerNft, BundlerNone}
	if !ok || !slices.Contains(valid, s) {
		return "", d.errorf(path, "%s is not one of %s", render(v), strings.Join(valid, ", "))
	}
	if s == BundlerEsbuild {
		return BundlerEsbuildZisi, nil
	}
	return s, nil
}

func (d *decoder) nodeVersion(path []string, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return "", d.errorf(path, "must be a version string such as \"22\" or \"22.x\", got %s", typeName(v))
	}
	if err := ValidateNodeVersion(s); err != nil {
		return "", d.errorf(path, "%v", err)
	}
	return s, nil
}

// schedule is a cron expression or a shorthand such as @hourly.
func (d *decoder) schedule(path []string, v any) (string, error) {
	s, err := d.str(path, v)
	if err != nil {
		return "", err
	}
	if err := ValidateSchedule(s); err != nil {
		return "", d.errorf(path, "%v", err)
	}
	return s, nil
}

func (d *decoder) timeout(path []string, v any) (int, error) {
	n, ok := v.(int64)
	if !ok || n <= 0 || n > math.MaxInt32 {
		return 0, d.errorf(path, "must be a positive whole number of seconds, got %s", render(v))
	}
	return int(n), nil
}

func (d *decoder) memory(path []string, v any) (int, error) {
	var mb int
	switch x := v.(type) {
	case int64:
		if x > 0 && x <= math.MaxInt32 {
			mb = int(x)
		}
	case string:
		mb, _ = ParseMemory(x)
	}
	if mb <= 0 {
		return 0, d.errorf(path, "must be a number of MB or a size such as \"2gb\", got %s", render(v))
	}
	return mb, nil
}

func (d *decoder) vcpu(path []string, v any) (float64, error) {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return 0, d.errorf(path, "must be a number between 0.5 and 2, got %s", typeName(v))
	}
	if !(f >= 0.5 && f <= 2) { // NaN too
		return 0, d.errorf(path, "must be a number between 0.5 and 2, got %s", render(v))
	}
	return f, nil
}

// ParseMemory converts a memory size to MB like the reference's
// parseMemory: a plain number is MB, "mb" and "gb" units are accepted,
// case-insensitively and with surrounding spaces; the result must be a
// whole number.
func ParseMemory(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "gb"):
		mult, s = 1024, strings.TrimSpace(strings.TrimSuffix(s, "gb"))
	case strings.HasSuffix(s, "mb"):
		s = strings.TrimSpace(strings.TrimSuffix(s, "mb"))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	mb := f * mult
	if mb != math.Trunc(mb) || mb <= 0 || mb > math.MaxInt32 {
		return 0, false
	}
	return int(mb), true
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

func render(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}
