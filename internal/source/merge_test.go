package source

import (
	"slices"
	"testing"

	"github.com/zisi-build/zisi/config"
)

// TestMergeSource is §4.3: in-source values win, arrays are appended,
// included files replace and move their base to the main file's folder,
// and a key set to an invalid value still erases the netlify.toml one.
func TestMergeSource(t *testing.T) {
	t.Parallel()
	yes := true
	toml := config.FunctionConfig{
		Timeout: 30, Name: "From toml", Schedule: "@daily", ExternalNodeModules: []string{"a"},
		IncludedFiles: []string{"data/**"}, IncludedFilesBasePath: "/site", Background: &yes, NodeVersion: "20",
	}
	a, err := Analyze(`export default async () => new Response("")
export const config = {
  timeout: "abc", name: 5, schedule: "@hourly", externalNodeModules: ["b"],
  includedFiles: ["assets/*"], path: ["/x", "/y"], method: "post", preferStatic: true,
  rateLimit: { windowLimit: 10, windowSize: 60 },
}`, ".mjs", "fn")
	if err != nil {
		t.Fatal(err)
	}
	got := config.MergeSource(toml, a.Config, "/site/netlify/functions/fn.mjs")
	checks := []struct {
		what string
		ok   bool
	}{
		{"invalid timeout erases toml's", got.Timeout == 0},
		{"invalid name erases toml's", got.Name == ""},
		{"schedule from source", got.Schedule == "@hourly"},
		{"external modules appended", slices.Equal(got.ExternalNodeModules, []string{"a", "b"})},
		{"included files replaced", slices.Equal(got.IncludedFiles, []string{"assets/*"})},
		{"included files base is the main file's folder", got.IncludedFilesBasePath == "/site/netlify/functions"},
		{"keys the source does not set are kept", got.Background != nil && *got.Background && got.NodeVersion == "20"},
		{"paths", slices.Equal(got.Path, []string{"/x", "/y"})},
		{"method upper-cased", slices.Equal(got.Method, []string{"POST"})},
		{"preferStatic", got.PreferStatic != nil && *got.PreferStatic},
		{"rateLimit", got.RateLimit != nil && got.RateLimit.WindowLimit == 10 && got.RateLimit.WindowSize == 60},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.what, got)
		}
	}
	if got := config.MergeSource(toml, nil, "/x.js"); got.Timeout != 30 || got.Name != "From toml" {
		t.Errorf("no source configuration must keep netlify.toml's: %+v", got)
	}
}
