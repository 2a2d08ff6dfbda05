package manifest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/config"
)

func TestMarshalKeyOrderAndPresence(t *testing.T) {
	t.Parallel()
	prio := 10
	m := &Manifest{
		Functions: []Function{
			{Bundler: "zisi", InvocationMode: "background", BuildData: BuildData{RuntimeAPIVersion: 1}, MainFile: "/s/a.js", Name: "a", Priority: &prio, Path: "/o/a.zip", Runtime: "js", Schedule: "@daily"},
			{MainFile: "/s/gobin", Name: "gobin", Path: "/o/gobin.zip", Runtime: "go"},
			{Name: "r", MainFile: "/s/r.mjs", Path: "/o/r.zip", Runtime: "js", Routes: []Route{{Pattern: "/x", Literal: "/x", Methods: &[]string{}}}},
		},
		System:    System{Arch: "x64", Platform: "linux"},
		Timestamp: 1700000000000,
		Version:   Version,
	}
	data, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"functions":[` +
		`{"bundler":"zisi","invocationMode":"background","buildData":{"runtimeAPIVersion":1},"mainFile":"/s/a.js","name":"a","priority":10,"path":"/o/a.zip","runtime":"js","schedule":"@daily"},` +
		`{"buildData":{},"mainFile":"/s/gobin","name":"gobin","path":"/o/gobin.zip","runtime":"go"},` +
		`{"buildData":{},"mainFile":"/s/r.mjs","name":"r","path":"/o/r.zip","runtime":"js","routes":[{"pattern":"/x","literal":"/x","methods":[]}]}` +
		`],"system":{"arch":"x64","platform":"linux"},"timestamp":1700000000000,"version":1}`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	back, err := Parse(data)
	if err != nil || back.Functions[0].Schedule != "@daily" || *back.Functions[0].Priority != 10 {
		t.Errorf("round trip: %+v %v", back, err)
	}
	if _, err := Parse([]byte("{")); err == nil || !strings.HasPrefix(err.Error(), "decode manifest:") {
		t.Errorf("bad input: %v", err)
	}
}

func TestNodeVocabulary(t *testing.T) {
	t.Parallel()
	for goarch, want := range map[string]string{"amd64": "x64", "arm64": "arm64", "386": "ia32", "arm": "arm"} {
		if got := NodeArch(goarch); got != want {
			t.Errorf("NodeArch(%s) = %s, want %s", goarch, got, want)
		}
	}
	for goos, want := range map[string]string{"linux": "linux", "darwin": "darwin", "windows": "win32"} {
		if got := NodePlatform(goos); got != want {
			t.Errorf("NodePlatform(%s) = %s, want %s", goos, got, want)
		}
	}
}

// TestReportedKeys: every configuration key that results report has a
// Function field of that name and of its type (bundler copies them by
// name).
func TestReportedKeys(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[Function]()
	for k := range config.Keys() {
		if k.Result == "" {
			continue
		}
		f, ok := typ.FieldByName(k.Result)
		if want := reflect.TypeOf(k.Value(config.FunctionConfig{})); !ok || f.Type != want {
			t.Errorf("key %s: want a Function field %s of type %s", k.JSON, k.Result, want)
		}
	}
}
