package config

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// SourceConfig is a v2 function's validated in-source configuration
// (`export const config = {…}`).
type SourceConfig struct {
	FunctionConfig
	// Present lists the keys the source sets, including unknown ones and
	// those whose value was invalid and dropped: like the reference, such
	// a key still erases the netlify.toml value it would have overridden.
	Present []string
}

// Undefined is an in-source value that is not a literal (an identifier, a
// call, a template literal): the reference extracts it as undefined, which
// unsets the key without failing validation.
type Undefined struct{}

// SourceError is an in-source value the reference's schema rejects, named
// the way zod names its first issue: the key, then the index of a bad
// element (`excludedPath.1`).
type SourceError struct {
	Path string
	Msg  string
}

func (e *SourceError) Error() string { return fmt.Sprintf("'%s': %s", e.Path, e.Msg) }

// ParseSource validates in-source configuration with the reference's
// schema (zod), reporting its first hard error, as *SourceError, with the
// same message. vals holds the config object's values by key, as nil,
// bool, float64, string, []any, map[string]any or Undefined; present is
// its keys in source order. Keys that "catch" (name: 5, timeout: "abc",
// …) are dropped silently, as there.
func ParseSource(vals map[string]any, present []string) (*SourceConfig, error) {
	c := &SourceConfig{Present: slices.Clone(present)}
	for _, k := range keys {
		v, ok := vals[k.JSON]
		if !ok || !k.InSource() {
			continue
		}
		if err := k.value.fromSource(k.JSON, v, &c.FunctionConfig); err != nil {
			return nil, err
		}
	}
	if c.Memory != 0 && c.Vcpu != 0 {
		return nil, &SourceError{"vcpu", "`memory` and `vcpu` cannot both be set."}
	}
	return c, nil
}

// MergeSource lays a v2 function's in-source configuration over its
// netlify.toml configuration (reference §4.3): in-source values win and
// arrays are appended, except included files, which replace the
// netlify.toml list and are then relative to the main file's directory.
// A key the source sets to a value that failed validation still erases
// the netlify.toml value, as it does in the reference.
func MergeSource(base FunctionConfig, src *SourceConfig, mainFile string) FunctionConfig {
	if src == nil {
		return base
	}
	out := base
	for _, name := range src.Present {
		if k, ok := sourceKey(name); ok {
			k.value.mergeSource(&out, src.FunctionConfig, mainFile)
		}
	}
	return out
}

// The in-source validators below mirror the reference's zod schema:
// functionConfigShape's catching keys become unset when invalid, memory,
// region and vcpu (withComputeResources) and the routing keys fail with
// zod's messages. An undefined value never fails.

var (
	regions       = []string{"cmh", "dub", "fra", "gru", "iad", "lhr", "nrt", "pdx", "sfo", "sin", "syd", "yul"}
	methods       = []string{"GET", "POST", "PUT", "PATCH", "OPTIONS", "DELETE", "HEAD"}
	sourceBundles = []string{BundlerEsbuild, BundlerEsbuildZisi, BundlerNft, BundlerZisi, BundlerNone}
)

const stringOrArray = "Must be a string or array of strings"

func sourceString(_ string, v any) (string, error) {
	s, _ := v.(string)
	return s, nil
}

// sourceStrings is an array of strings, or nothing if any element is not
// one.
func sourceStrings(_ string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, nil
	}
	var out []string
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return nil, nil
		}
		out = append(out, s)
	}
	return out, nil
}

func sourceBool(_ string, v any) (*bool, error) {
	if b, ok := v.(bool); ok {
		return &b, nil
	}
	return nil, nil
}

// sourcePreferStatic is false, not unset, when the value is not a
// boolean.
func sourcePreferStatic(_ string, v any) (*bool, error) {
	b, _ := v.(bool)
	return &b, nil
}

func sourceTimeout(_ string, v any) (int, error) {
	f, _ := v.(float64)
	return int(f), nil
}

// sourceBundler accepts the reference's internal names too (esbuild_zisi).
func sourceBundler(_ string, v any) (string, error) {
	if s, _ := v.(string); slices.Contains(sourceBundles, s) {
		return s, nil
	}
	return "", nil
}

// sourceMemory mirrors the reference's parseMemoryMB then its int/min/max
// checks.
func sourceMemory(key string, v any) (int, error) {
	var f float64
	switch x := v.(type) {
	case Undefined:
		return 0, nil
	case float64:
		f = x
	case string:
		n, ok := ParseMemory(x)
		if !ok {
			return 0, &SourceError{key, "Invalid input: expected number, received NaN"}
		}
		f = float64(n)
	default:
		return 0, &SourceError{key, "Invalid input: expected number, received " + jsType(v)}
	}
	switch {
	case f != math.Trunc(f):
		return 0, &SourceError{key, "Invalid input: expected int, received number"}
	case f < 1024:
		return 0, &SourceError{key, "Too small: expected number to be >=1024"}
	case f > 4096:
		return 0, &SourceError{key, "Too big: expected number to be <=4096"}
	}
	return int(f), nil
}

// sourceRegion is lower-cased before it is checked.
func sourceRegion(key string, v any) (string, error) {
	if v == (Undefined{}) {
		return "", nil
	}
	s, _ := v.(string)
	s = strings.ToLower(s)
	if !slices.Contains(regions, s) {
		return "", &SourceError{key, `Invalid option: expected one of "` + strings.Join(regions, `"|"`) + `"`}
	}
	return s, nil
}

// sourceSchedule is a string, validated as a cron expression (Netlify
// Build refuses an invalid one before archiving; zisi says so at once).
func sourceSchedule(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", nil
	}
	if err := ValidateSchedule(s); err != nil {
		return "", &SourceError{key, err.Error()}
	}
	return s, nil
}

// sourceNodeVersion is a string, validated as a Node.js version.
func sourceNodeVersion(key string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", nil
	}
	if err := ValidateNodeVersion(s); err != nil {
		return "", &SourceError{key, err.Error()}
	}
	return s, nil
}

func sourceVcpu(key string, v any) (float64, error) {
	if v == (Undefined{}) {
		return 0, nil
	}
	f, isNum := v.(float64)
	switch {
	case !isNum || math.IsNaN(f):
		return 0, &SourceError{key, "Invalid input: expected number, received " + jsType(v)}
	case f < 0.5:
		return 0, &SourceError{key, "Too small: expected number to be >=0.5"}
	case f > 2:
		return 0, &SourceError{key, "Too big: expected number to be <=2"}
	}
	return f, nil
}

// sourceMethods is a method or an array of them, upper-cased.
func sourceMethods(key string, v any) ([]string, error) {
	var items []any
	switch x := v.(type) {
	case Undefined:
		return nil, nil
	case string:
		items = []any{x}
	case []any:
		items = x
	default:
		return nil, &SourceError{key, stringOrArray}
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok || !slices.Contains(methods, strings.ToUpper(s)) {
			return nil, &SourceError{key, stringOrArray}
		}
		out = append(out, strings.ToUpper(s))
	}
	return out, nil
}

// sourcePaths is a path or an array of them, each starting with "/".
func sourcePaths(key string, v any) ([]string, error) {
	switch x := v.(type) {
	case Undefined:
		return nil, nil
	case string:
		if !strings.HasPrefix(x, "/") {
			return nil, &SourceError{key, "Must start with a '/'"}
		}
		return []string{x}, nil
	case []any:
		var out []string
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return nil, &SourceError{key, stringOrArray}
			}
			out = append(out, s)
		}
		for i, s := range out {
			if !strings.HasPrefix(s, "/") {
				return nil, &SourceError{fmt.Sprintf("%s.%d", key, i), "Must start with a '/'"}
			}
		}
		return out, nil
	}
	return nil, &SourceError{key, stringOrArray}
}

// sourceRateLimit drops anything invalid (the reference catches to
// undefined).
func sourceRateLimit(_ string, v any) (*RateLimit, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return nil, nil
	}
	limit, ok1 := o["windowLimit"].(float64)
	size, ok2 := o["windowSize"].(float64)
	if !ok1 || !ok2 {
		return nil, nil
	}
	// The platform takes whole, positive 32-bit counts; a larger number
	// would wrap around (a negative limit in the manifest).
	for _, n := range []struct {
		name string
		v    float64
	}{{"windowLimit", limit}, {"windowSize", size}} {
		if n.v != math.Trunc(n.v) || n.v < 1 || n.v > math.MaxInt32 {
			return nil, &SourceError{"rateLimit." + n.name, fmt.Sprintf("must be a whole number from 1 to %d, got %v", math.MaxInt32, n.v)}
		}
	}
	r := &RateLimit{WindowLimit: int(limit), WindowSize: int(size)}
	r.Action, _ = o["action"].(string)
	r.To, _ = o["to"].(string)
	r.Algorithm, _ = o["algorithm"].(string)
	// A string aggregateBy is ignored, as the reference ignores it.
	if list, ok := o["aggregateBy"].([]any); ok {
		r.AggregateBy = []string{}
		for _, it := range list {
			if s, ok := it.(string); ok {
				r.AggregateBy = append(r.AggregateBy, s)
			}
		}
	}
	return r, nil
}

// jsType names a value's type the way zod's messages do.
func jsType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}
