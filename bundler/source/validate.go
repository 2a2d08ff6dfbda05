package source

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
)

// Config is a v2 function's validated in-source configuration.
type Config struct {
	Background                                             *bool
	ExternalNodeModules, IncludedFiles, IgnoredNodeModules []string
	Generator, Name, NodeBundler, NodeVersion, Region      string
	Schedule                                               string
	Memory                                                 int
	Timeout                                                int
	Vcpu                                                   float64
	Method, Path, ExcludedPath                             []string
	PreferStatic                                           bool
	RateLimit                                              *RateLimit
	// Present lists the keys the source sets, including those whose value
	// was invalid and dropped: like the reference, such a key still erases
	// the netlify.toml value it would have overridden.
	Present []string
}

// RateLimit is the `rateLimit` key.
type RateLimit struct {
	Action, To, Algorithm   string
	WindowLimit, WindowSize int
	// AggregateBy is nil unless it was an array (a string is ignored, as
	// the reference ignores it).
	AggregateBy []string
}

var regions = []string{"cmh", "dub", "fra", "gru", "iad", "lhr", "nrt", "pdx", "sfo", "sin", "syd", "yul"}
var methods = []string{"GET", "POST", "PUT", "PATCH", "OPTIONS", "DELETE", "HEAD"}
var bundlers = []string{"esbuild", "esbuild_zisi", "nft", "zisi", "none"}

// issue is the first validation problem, rendered as '<path>': <message>.
type issue struct{ path, msg string }

func (i *issue) Error() string { return fmt.Sprintf("'%s': %s", i.path, i.msg) }

// validate applies the reference's schema (zod), reporting its first
// hard error with the same message. Keys that "catch" (name: 5,
// timeout: "abc", …) are dropped silently, as there.
func validate(o *object) (*Config, error) {
	c := &Config{Present: slices.Clone(o.keys)}
	str := func(k string) string { s, _ := o.vals[k].(string); return s }
	strs := func(k string) []string {
		list, ok := o.vals[k].([]any)
		if !ok {
			return nil
		}
		var out []string
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	if b, ok := o.vals["background"].(bool); ok {
		c.Background = &b
	}
	c.ExternalNodeModules, c.IncludedFiles, c.IgnoredNodeModules = strs("externalNodeModules"), strs("includedFiles"), strs("ignoredNodeModules")
	c.Generator, c.Name, c.NodeVersion, c.Schedule = str("generator"), str("name"), str("nodeVersion"), str("schedule")
	if b := str("nodeBundler"); slices.Contains(bundlers, b) {
		c.NodeBundler = b
	}
	if f, ok := o.vals["timeout"].(float64); ok {
		c.Timeout = int(f)
	}
	if v, ok := o.get("memory"); ok && defined(v) {
		mb, msg := memory(v)
		if msg != "" {
			return nil, &issue{"memory", msg}
		}
		c.Memory = mb
	}
	if v, ok := o.get("region"); ok && defined(v) {
		s, _ := v.(string)
		s = strings.ToLower(s)
		if !slices.Contains(regions, s) {
			return nil, &issue{"region", `Invalid option: expected one of "` + strings.Join(regions, `"|"`) + `"`}
		}
		c.Region = s
	}
	if v, ok := o.get("vcpu"); ok && defined(v) {
		f, isNum := v.(float64)
		switch {
		case !isNum:
			return nil, &issue{"vcpu", "Invalid input: expected number, received " + typeOf(v)}
		case f < 0.5:
			return nil, &issue{"vcpu", "Too small: expected number to be >=0.5"}
		case f > 2:
			return nil, &issue{"vcpu", "Too big: expected number to be <=2"}
		}
		c.Vcpu = f
	}
	var err error
	if c.Method, err = methodList(o); err != nil {
		return nil, err
	}
	if c.Path, err = pathList(o, "path"); err != nil {
		return nil, err
	}
	if c.ExcludedPath, err = pathList(o, "excludedPath"); err != nil {
		return nil, err
	}
	c.PreferStatic, _ = o.vals["preferStatic"].(bool)
	c.RateLimit = rateLimit(o.vals["rateLimit"])
	if c.Memory != 0 && c.Vcpu != 0 {
		return nil, &issue{"vcpu", "`memory` and `vcpu` cannot both be set."}
	}
	return c, nil
}

func defined(v any) bool { _, u := v.(undefined); return !u }

func typeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case *object:
		return "object"
	}
	return "number"
}

// memory mirrors the reference's parseMemoryMB then its int/min/max
// checks; msg is the reference's (zod's) message for an invalid value.
func memory(v any) (mb int, msg string) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		n, ok := config.ParseMemory(x)
		if !ok {
			return 0, "Invalid input: expected number, received NaN"
		}
		f = float64(n)
	default:
		return 0, "Invalid input: expected number, received " + typeOf(v)
	}
	switch {
	case f != math.Trunc(f):
		return 0, "Invalid input: expected int, received number"
	case f < 1024:
		return 0, "Too small: expected number to be >=1024"
	case f > 4096:
		return 0, "Too big: expected number to be <=4096"
	}
	return int(f), ""
}

const stringOrArray = "Must be a string or array of strings"

func methodList(o *object) ([]string, error) {
	v, ok := o.get("method")
	if !ok || !defined(v) {
		return nil, nil
	}
	var items []any
	switch x := v.(type) {
	case string:
		items = []any{x}
	case []any:
		items = x
	default:
		return nil, &issue{"method", stringOrArray}
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok || !slices.Contains(methods, strings.ToUpper(s)) {
			return nil, &issue{"method", stringOrArray}
		}
		out = append(out, strings.ToUpper(s))
	}
	return out, nil
}

func pathList(o *object, key string) ([]string, error) {
	v, ok := o.get(key)
	if !ok || !defined(v) {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		if !strings.HasPrefix(x, "/") {
			return nil, &issue{key, "Must start with a '/'"}
		}
		return []string{x}, nil
	case []any:
		var out []string
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				return nil, &issue{key, stringOrArray}
			}
			out = append(out, s)
		}
		for i, s := range out {
			if !strings.HasPrefix(s, "/") {
				return nil, &issue{fmt.Sprintf("%s.%d", key, i), "Must start with a '/'"}
			}
		}
		return out, nil
	}
	return nil, &issue{key, stringOrArray}
}

// rateLimit reads `rateLimit`; anything invalid drops it (the reference
// catches to undefined).
func rateLimit(v any) *RateLimit {
	o, ok := v.(*object)
	if !ok {
		return nil
	}
	limit, ok1 := o.vals["windowLimit"].(float64)
	size, ok2 := o.vals["windowSize"].(float64)
	if !ok1 || !ok2 {
		return nil
	}
	r := &RateLimit{WindowLimit: int(limit), WindowSize: int(size)}
	r.Action, _ = o.vals["action"].(string)
	r.To, _ = o.vals["to"].(string)
	r.Algorithm, _ = o.vals["algorithm"].(string)
	if list, ok := o.vals["aggregateBy"].([]any); ok {
		r.AggregateBy = []string{}
		for _, it := range list {
			if s, ok := it.(string); ok {
				r.AggregateBy = append(r.AggregateBy, s)
			}
		}
	}
	return r
}
