package cache

import (
	"slices"
	"testing"
)

// TestExtendsOf reads "extends" the way esbuild does: from JSON with
// comments and trailing commas, one path or a list.
func TestExtendsOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"extends": "./base.json"}`, []string{"./base.json"}},
		{"\xef\xbb\xbf{\"extends\": \"./bom\"}", []string{"./bom"}},
		{"{\n  // a comment with \"quotes\"\n  \"extends\": \"@tsconfig/node20/tsconfig.json\", /* and */\n}", []string{"@tsconfig/node20/tsconfig.json"}},
		{`{"extends": ["./a", "./b",], "compilerOptions": {"paths": {"x": ["https://not/a/comment"],},},}`, []string{"./a", "./b"}},
		{`{"compilerOptions": {"baseUrl": "./src/*\"//"}, "extends": "./c"}`, []string{"./c"}},
		{`{"compilerOptions": {}}`, nil},
		{`{"extends": `, nil},
		{`{"extends": 3}`, nil},
	} {
		if got := extendsOf([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("extendsOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
