package config

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestThrowawayKey shows that a key is one table entry: the keys below
// exist nowhere else, yet netlify.toml loads them (at the top of
// [functions] too, without unknown-key warnings), validates them with a
// located error, merges them by specificity, and in-source configuration
// sets, validates and merges them where the entry allows it.
//
// Not parallel: it changes the table, which the parallel tests only read
// once this test has put it back.
func TestThrowawayKey(t *testing.T) {
	saved := keys
	t.Cleanup(func() { keys = saved })
	// A test cannot add a FunctionConfig field, so the keys take over the
	// fields of three keys this test drops from the table.
	level := Key{TOML: "throwaway_level", JSON: "throwawayLevel", value: single[int]{
		field: func(c *FunctionConfig) *int { return &c.ZipSizeLimit },
		toml: func(d *decoder, path []string, v any) (int, error) {
			n, ok := v.(int64)
			if !ok || n < 0 || n > 9 {
				return 0, d.errorf(path, "must be a digit, got %s", render(v))
			}
			return int(n), nil
		},
		source: func(key string, v any) (int, error) {
			if v == (Undefined{}) {
				return 0, nil
			}
			f, ok := v.(float64)
			if !ok || f < 0 || f > 9 || f != math.Trunc(f) {
				return 0, &SourceError{Path: key, Msg: "Must be a digit"}
			}
			return int(f), nil
		},
	}}
	tags := Key{TOML: "throwaway_tags", JSON: "throwawayTags", value: list{
		field:  func(c *FunctionConfig) *[]string { return &c.Method },
		source: sourceStrings,
	}}
	tomlOnly := Key{TOML: "throwaway_flag", JSON: "throwawayFlag", value: single[*bool]{
		field: func(c *FunctionConfig) **bool { return &c.PreferStatic },
		toml:  (*decoder).boolean,
	}}
	keys = slices.DeleteFunc(slices.Clone(saved), func(k Key) bool {
		return k.JSON == "zipSizeLimit" || k.JSON == "method" || k.JSON == "preferStatic"
	})
	keys = append(keys, level, tags, tomlOnly)

	f, err := parse(t, `
[functions]
throwaway_level = 1
throwaway_tags = ["a"]
throwaway_flag = true

[functions."api-*"]
throwaway_level = 7
throwaway_tags = ["b"]
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings %v", f.Warnings)
	}
	api := f.Functions.ForFunction("api-users")
	if api.ZipSizeLimit != 7 || !slices.Equal(api.Method, []string{"a", "b"}) || api.PreferStatic == nil || !*api.PreferStatic {
		t.Errorf("api-users: level %d tags %q flag %v; want the heavier pattern's 7, both tags, the flag from [functions]", api.ZipSizeLimit, api.Method, api.PreferStatic)
	}
	if other := f.Functions.ForFunction("other"); other.ZipSizeLimit != 1 || !slices.Equal(other.Method, []string{"a"}) {
		t.Errorf("other: level %d tags %q", other.ZipSizeLimit, other.Method)
	}

	_, err = parse(t, "[functions.\"api-*\"]\nthrowaway_level = 12\n")
	if want := `/site/netlify.toml:2:1: functions."api-*".throwaway_level: must be a digit, got 12`; err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want %s", err, want)
	}

	src, err := ParseSource(map[string]any{"throwawayLevel": 3.0, "throwawayTags": []any{"c"}, "throwawayFlag": false},
		[]string{"throwawayLevel", "throwawayTags", "throwawayFlag"})
	if err != nil {
		t.Fatal(err)
	}
	got := MergeSource(api, src, "/site/netlify/functions/api-users.mjs")
	if got.ZipSizeLimit != 3 || !slices.Equal(got.Method, []string{"a", "b", "c"}) || got.PreferStatic == nil || !*got.PreferStatic {
		t.Errorf("in-source: level %d tags %q flag %v; want the source's 3, its tag appended, netlify.toml's flag (not allowed in source)", got.ZipSizeLimit, got.Method, got.PreferStatic)
	}
	src, err = ParseSource(map[string]any{"throwawayLevel": Undefined{}}, []string{"throwawayLevel"})
	if err != nil {
		t.Fatal(err)
	}
	if got := MergeSource(api, src, "/x.mjs"); got.ZipSizeLimit != 0 {
		t.Errorf("an undefined in-source value must erase netlify.toml's: %d", got.ZipSizeLimit)
	}
	_, err = ParseSource(map[string]any{"throwawayLevel": 12.0}, []string{"throwawayLevel"})
	if want := `'throwawayLevel': Must be a digit`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestKeysCoverFunctionConfig keeps the table and FunctionConfig in step:
// every field is one key's (includedFilesBasePath goes with
// includedFiles), each key's accessor reaches the field of its JSON name,
// and netlify.toml names are the snake_case JSON names.
func TestKeysCoverFunctionConfig(t *testing.T) {
	t.Parallel()
	byJSON := map[string]Key{}
	tomlNames := map[string]bool{}
	for k := range Keys() {
		if _, dup := byJSON[k.JSON]; dup {
			t.Errorf("two keys named %q", k.JSON)
		}
		byJSON[k.JSON] = k
		if k.TOML == "" {
			continue
		}
		if tomlNames[k.TOML] {
			t.Errorf("two keys named %q in netlify.toml", k.TOML)
		}
		tomlNames[k.TOML] = true
		if want := snake(k.JSON); k.TOML != want {
			t.Errorf("%s is %s in netlify.toml, want %s", k.JSON, k.TOML, want)
		}
	}
	typ := reflect.TypeFor[FunctionConfig]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "includedFilesBasePath" {
			continue
		}
		k, ok := byJSON[name]
		if !ok {
			t.Errorf("FunctionConfig.%s (%s) has no key in the table", typ.Field(i).Name, name)
			continue
		}
		delete(byJSON, name)
		var fc FunctionConfig
		field := reflect.ValueOf(&fc).Elem().Field(i)
		field.Set(sample(field.Type()))
		if got := k.Value(fc); !reflect.DeepEqual(got, field.Interface()) {
			t.Errorf("key %s reads %v, not FunctionConfig.%s", name, got, typ.Field(i).Name)
		}
	}
	for name := range byJSON {
		t.Errorf("key %s has no FunctionConfig field", name)
	}
}

// TestKeysDecodeTOML loads every netlify.toml key with a value of each
// type: a typed error or a value, never a missing decoder.
func TestKeysDecodeTOML(t *testing.T) {
	t.Parallel()
	for k := range Keys() {
		if k.TOML == "" {
			continue
		}
		for _, v := range []string{`"x"`, `1`, `1.5`, `true`, `["x"]`, `{ a = 1 }`} {
			_, err := parse(t, "[functions.\"api-*\"]\n"+k.TOML+" = "+v+"\n")
			var ce *Error
			if err != nil && !errors.As(err, &ce) {
				t.Errorf("%s = %s: untyped error %v", k.TOML, v, err)
			}
		}
	}
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sample is a non-zero value of type t.
func sample(t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Slice:
		v = reflect.ValueOf([]string{"x"})
	case reflect.Pointer:
		v = reflect.New(t.Elem())
	}
	return v
}

// TestNodeModuleFormatIsNotANetlifyTomlKey: nodeModuleFormat comes from
// deploy tools (JSON function config files, the library's Config), as in
// the reference; netlify.toml has no such key in Netlify's schema, so
// node_module_format there is an unknown key, and the library's values
// are validated.
func TestNodeModuleFormatIsNotANetlifyTomlKey(t *testing.T) {
	t.Parallel()
	f, err := parse(t, "[functions.\"api-*\"]\nnode_module_format = \"esm\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].String(), `functions."api-*".node_module_format: unknown key, ignored`) {
		t.Errorf("warnings %v", f.Warnings)
	}
	if got := f.Functions.ForFunction("api-x").NodeModuleFormat; got != "" {
		t.Errorf("nodeModuleFormat %q from netlify.toml", got)
	}
	for _, ok := range ModuleFormats {
		if err := ValidateNodeModuleFormat(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if err := ValidateNodeModuleFormat("ESM"); err == nil || err.Error() != `nodeModuleFormat "ESM" is not one of cjs, esm` {
		t.Errorf("ESM: %v", err)
	}
}
