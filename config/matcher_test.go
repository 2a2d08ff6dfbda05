package config

import (
	"fmt"
	"reflect"
	"testing"
)

// TestMatcherAgrees: a compiled configuration merges exactly what
// ForFunction merges, for plain names and globs alike, ties in weight and
// order included.
func TestMatcherAgrees(t *testing.T) {
	t.Parallel()
	globs := []string{"*", "api-*", "api-users", "api-users", "{a,b}-fn", "a-fn", "!bar", "bar", "#x", "", ".dotfile", "a/b", "a\\*", "@(x|y)", "x", "[ab]", "a"}
	var c Config
	for i, g := range globs {
		c.Patterns = append(c.Patterns, Pattern{Glob: g, Order: i / 3, Config: FunctionConfig{
			ExternalNodeModules: []string{fmt.Sprint("m", i)}, Timeout: i + 1,
		}})
	}
	m := c.Compile()
	for _, name := range []string{"api-users", "api-x", "a-fn", "b-fn", "bar", "foo", "", ".dotfile", "a/b", "a*", "x", "y", "a", "b", "#x"} {
		if got, want := m.ForFunction(name), c.ForFunction(name); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: compiled %+v, want %+v", name, got, want)
		}
	}
	if got := (*Config)(nil).Compile().ForFunction("a"); !reflect.DeepEqual(got, FunctionConfig{}) {
		t.Errorf("nil config: %+v", got)
	}
}
