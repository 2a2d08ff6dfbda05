package source

import "github.com/zisi-build/zisi/config"

// Config is a v2 function's validated in-source configuration.
type Config = config.SourceConfig

// validate applies the reference's schema (zod) to the config object;
// what each key accepts is config's table of keys.
func validate(o *object) (*Config, error) {
	vals, _ := plain(o).(map[string]any)
	return config.ParseSource(vals, o.keys)
}

// plain converts an extracted literal to the values config.ParseSource
// reads: objects become maps.
func plain(v any) any {
	switch x := v.(type) {
	case *object:
		m := make(map[string]any, len(x.vals))
		for k, v := range x.vals {
			m[k] = plain(v)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = plain(v)
		}
		return out
	}
	return v
}
