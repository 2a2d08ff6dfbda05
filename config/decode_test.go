package config

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// tomlRules are documents that exercise one TOML rule each, with whether
// TOML (and go-toml) accepts them.
var tomlRules = []struct {
	name string
	doc  string
	ok   bool
}{
	{"duplicate key", "a = 1\na = 2\n", false},
	{"duplicate quoted key", "a = 1\n\"a\" = 2\n", false},
	{"duplicate key in table", "[t]\na = 1\na = 2\n", false},
	{"dotted key over value", "a = 1\na.b = 2\n", false},
	{"value over dotted key", "a.b = 1\na = 2\n", false},
	{"dotted keys share a table", "a.b = 1\na.c = 2\n", true},
	{"table twice", "[a]\n[a]\n", false},
	{"table after sub-table", "[a.b]\n[a]\n", true},
	{"table after sub-table, twice", "[a.b]\n[a]\n[a]\n", false},
	{"header over dotted table", "a.b = 1\n[a]\n", false},
	{"header over dotted table in table", "[t]\na.b = 1\n[t.a]\n", false},
	{"sub-table of dotted table", "[t]\na.b = 1\n[t.a.c]\nd = 2\n", true},
	{"dotted key into header table", "[a.b]\nc = 1\n[a]\nb.d = 2\n", false},
	{"header over value", "a = 1\n[a]\n", false},
	{"header through value", "a = 1\n[a.b]\n", false},
	{"header over inline table", "a = {}\n[a]\n", false},
	{"header into inline table", "a = {b = 1}\n[a.c]\n", false},
	{"dotted key into inline table", "a = {b = 1}\na.c = 2\n", false},
	{"inline duplicate key", "a = {b = 1, b = 2}\n", false},
	{"inline dotted keys", "a = {b.c = 1, b.d = 2}\n", true},
	{"inline dotted over inline", "a = {b = {c = 1}, b.d = 2}\n", false},
	{"inline in array, same keys", "a = [{b = 1}, {b = 2}]\n", true},
	{"inline in array, duplicate", "a = [{b = 1, b = 2}]\n", false},
	{"array of tables", "[[a]]\nb = 1\n[[a]]\nb = 2\n", true},
	{"array of tables sub-table per element", "[[a]]\n[a.b]\n[[a]]\n[a.b]\n", true},
	{"array of tables sub-table twice", "[[a]]\n[a.b]\n[a.b]\n", false},
	{"table then array of tables", "[a]\n[[a]]\n", false},
	{"array of tables then table", "[[a]]\n[a]\n", false},
	{"array of tables over array", "a = [1]\n[[a]]\n", false},
	{"array of tables over value", "a = 1\n[[a]]\n", false},
	{"array of tables nested", "[[a]]\n[[a.b]]\nc = 1\n[[a.b]]\n[[a]]\n", true},
	{"array of tables under table", "[[a.b]]\n[a]\nc = 1\n", true},
	{"key after array of tables element", "[[a]]\nb.c = 1\n[[a]]\nb.c = 2\n", true},
	{"integer overflow", "a = 9223372036854775808\n", false},
	{"integer min", "a = -9223372036854775808\n", true},
	{"hex overflow", "a = 0x8000000000000000\n", false},
	{"hex max", "a = 0x7fff_ffff_ffff_ffff\n", true},
	{"float range", "a = 1e400\n", false},
	{"impossible date", "a = 2021-02-29\n", false},
	{"leap date", "a = 2020-02-29\n", true},
	{"bad zone", "a = 2020-01-01T00:00:00+24:00\n", false},
	{"empty document", "", true},
}

func TestDecodeTOMLRules(t *testing.T) {
	t.Parallel()
	for _, tc := range tomlRules {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := decodeTOML("/site/netlify.toml", []byte(tc.doc))
			if (err == nil) != tc.ok {
				t.Fatalf("%q: error %v, want ok=%v", tc.doc, err, tc.ok)
			}
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.Line == 0 || !strings.HasPrefix(ce.Msg, "syntax error: ") {
					t.Errorf("%q: %#v, want a *Error with a line and a syntax error message", tc.doc, err)
				}
				return
			}
			var want map[string]any
			if err := toml.Unmarshal([]byte(tc.doc), &want); err != nil {
				t.Fatalf("go-toml refuses %q: %v", tc.doc, err)
			}
			if !sameTOML(got, want) {
				t.Errorf("%q:\n got  %#v\n want %#v", tc.doc, got, want)
			}
		})
	}
}

func TestDecodeTOMLValues(t *testing.T) {
	t.Parallel()
	doc := `
s = "a\tb"
l = 'c:\d'
i = [1_000, 0xff, 0o17, 0b101, -3, +4]
f = [1.5, -0.0, 6.02e23, inf, -inf, 1_0.2_5]
n = nan
b = [true, false]
d = 1979-05-27
t = 07:32:00.999999
ldt = 1979-05-27T07:32:00
odt = [1979-05-27T07:32:00Z, 1979-05-27 00:32:00.5-07:00, 1979-05-27T07:32:00+00:00]
nested = [[1, 2], ["a"], [], [{x = 1}]]
inline = {a.b = 1, c = {d = 2}}
`
	got, _, err := decodeTOML("/site/netlify.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := toml.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	if !sameTOML(got, want) {
		t.Errorf("\n got  %#v\n want %#v", got, want)
	}
	if f := got["f"].([]any)[1].(float64); !math.Signbit(f) {
		t.Errorf("-0.0 decoded as %v", f)
	}
	if odt := got["odt"].([]any)[1].(time.Time); odt.Format(time.RFC3339Nano) != "1979-05-27T00:32:00.5-07:00" {
		t.Errorf("offset date-time %v", odt)
	}
}

func TestDecodeTOMLErrorPositions(t *testing.T) {
	t.Parallel()
	cases := []struct{ doc, want string }{
		{"a = 1\n\n  a = 2\n", "/x.toml:3:3: syntax error: a is already defined"},
		{"[t]\nx.y = 1\n[t.x]\n", "/x.toml:3:4: syntax error: table t.x is already defined by a dotted key"},
		{"[[a]]\n[a]\n", "/x.toml:2:2: syntax error: table a is already defined as an array of tables"},
		{"v = [1, 2,\n  99999999999999999999]\n", "/x.toml:2:3: syntax error: integer 99999999999999999999 does not fit in 64 bits"},
		{"a = \"open\n", "/x.toml:1:"},
	}
	for _, tc := range cases {
		_, _, err := decodeTOML("/x.toml", []byte(tc.doc))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.doc, err, tc.want)
		}
	}
}

// FuzzDecodeMatchesGoTOML: decodeTOML and toml.Unmarshal into a
// map[string]any accept the same documents and make the same values of
// them, and decodeTOML fails only with a located *Error.
func FuzzDecodeMatchesGoTOML(f *testing.F) {
	for _, tc := range tomlRules {
		f.Add(tc.doc)
	}
	for _, seed := range []string{
		"[functions]\ndirectory = \"fns\"\n[functions.\"api-*\"]\nincluded_files = [\"a/**\"]\n",
		"a = \"\"\"\nx\\\n  y\"\"\"\nb = '''z'''\n",
		"a = \"\\u00e9\\U0001F600\"\n",
		"t = 00:00\nd = 2000-01-01T00:00\nz = 2000-01-01 00:00Z\n",
		"a = { b = 1, }\n",
		"a = {\n b = 1,\n # c\n}\n",
		"a = [ # c\n 1,\n]\n",
		"\"\" = 1\n['']\nx = 2\n",
		"a.\"b.c\".d = 1\n",
		"x = 1 # c\r\n[y] # c\r\n",
	} {
		f.Add(seed)
	}
	// Values at the edges of go-toml's conversions, accepted or not.
	for _, v := range []string{
		"0x", "0x_1", "0x00000000000000000001", "0o777777777777777777777", "+9223372036854775807",
		"0b1000000000000000000000000000000000000000000000000000000000000000", "00", "0_0", "1__0",
		"-0", "+0.0", "1e1_0", "1E+2", "0e99999", "1e-400", "4.9e-324", "179769313486231570000e288",
		"+inf", "-nan", "nan_", "2020-01-01T00:00:00.1234567891Z", "2020-01-01T00:00:60Z",
		"2020-01-01t00:00z", "2020-01-01T00:00:00-00:00", "2020-01-01T00:00:00+05:30",
		"2020-01-01T00:00:00-23:59", "2020-01-01T00:00:00+1:00", "2020-01-01T00:00:00Zz",
		"00:00:00.", "23:59:59.9", "12:00:", "1979-05-27T00:00:00.-07:00", "1979-05-27 07:32",
		"1979-05-27T7:32:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59",
	} {
		f.Add("a = " + v + "\n")
	}
	f.Fuzz(func(t *testing.T, doc string) {
		got, _, err := decodeTOML("/site/netlify.toml", []byte(doc))
		var want map[string]any
		wantErr := toml.Unmarshal([]byte(doc), &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: decodeTOML error %v, go-toml error %v", doc, err, wantErr)
		}
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%q: untyped error %T: %v", doc, err, err)
			}
			return
		}
		if !sameTOML(got, want) {
			t.Fatalf("%q:\n decodeTOML %#v\n go-toml    %#v", doc, got, want)
		}
	})
}

// sameTOML is reflect.DeepEqual where NaN equals NaN and -0 differs from 0.
func sameTOML(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !sameTOML(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for i := range a {
			if !sameTOML(a[i], b[i]) {
				return false
			}
		}
		return true
	case float64:
		b, ok := b.(float64)
		return ok && (a == b && math.Signbit(a) == math.Signbit(b) || math.IsNaN(a) && math.IsNaN(b))
	}
	return reflect.DeepEqual(a, b)
}

func TestSameTOML(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{math.NaN(), math.NaN(), true},
		{0.0, math.Copysign(0, -1), false},
		{[]any{}, []any(nil), false},
		{map[string]any{"a": int64(1)}, map[string]any{"a": 1.0}, false},
		{map[string]any{"a": []any{"x"}}, map[string]any{"a": []any{"x"}}, true},
	} {
		if got := sameTOML(tc.a, tc.b); got != tc.want {
			t.Errorf("sameTOML(%#v, %#v) = %v", tc.a, tc.b, got)
		}
	}
}

// TestParsePatternOrder: patterns are ordered by the line that defines
// them; on one line "*" (top-level keys) comes first, then the globs in
// byte order.
func TestParsePatternOrder(t *testing.T) {
	t.Parallel()
	f, err := parse(t, `
[functions."z*"]
timeout = 1
[functions]
b = { timeout = 2 }
a = { timeout = 3 }
[functions."m*"]
timeout = 4
`)
	if err != nil {
		t.Fatal(err)
	}
	inline, err := parse(t, `functions = { "b" = { timeout = 1 }, timeout = 5, "a" = { timeout = 2 } }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    *File
		want []string
	}{
		{f, []string{"z*", "b", "a", "m*"}},
		{inline, []string{"*", "a", "b"}},
	} {
		var got []string
		for i, p := range tc.f.Functions.Patterns {
			if p.Order != i {
				t.Errorf("%s has Order %d at %d", p.Glob, p.Order, i)
			}
			got = append(got, p.Glob)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("patterns %q, want %q", got, tc.want)
		}
	}
}

// generatedTOML builds a small document of headers and key-values over
// few names, so that most of them collide: the redefinition rules are
// what it exercises.
func generatedTOML(r *rand.Rand) string {
	names := []string{"a", "b", `"a"`}
	values := []string{"1", "[1]", "{}", "{a = 1}", "{a.b = 1, a.c = 2}", "{a = {b = 1}, a.b = 2}", "[{a = 1}, {a = 2}]", "[{a = 1, a = 2}]"}
	key := func() string {
		parts := make([]string, 1+r.IntN(3))
		for i := range parts {
			parts[i] = names[r.IntN(len(names))]
		}
		return strings.Join(parts, ".")
	}
	var b strings.Builder
	for range 1 + r.IntN(6) {
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "[%s]\n", key())
		case 1:
			fmt.Fprintf(&b, "[[%s]]\n", key())
		default:
			fmt.Fprintf(&b, "%s = %s\n", key(), values[r.IntN(len(values))])
		}
	}
	return b.String()
}

// TestDecodeMatchesGoTOMLGenerated: decodeTOML and toml.Unmarshal agree
// on 5000 generated documents (about half of which TOML refuses).
func TestDecodeMatchesGoTOMLGenerated(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(14, 1))
	accepted := 0
	for range 5000 {
		doc := generatedTOML(r)
		got, _, err := decodeTOML("/site/netlify.toml", []byte(doc))
		var want map[string]any
		wantErr := toml.Unmarshal([]byte(doc), &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: decodeTOML error %v, go-toml error %v", doc, err, wantErr)
		}
		if err == nil {
			accepted++
			if !sameTOML(got, want) {
				t.Fatalf("%q:\n decodeTOML %#v\n go-toml    %#v", doc, got, want)
			}
		}
	}
	if accepted < 500 || accepted > 4500 {
		t.Errorf("%d of 5000 documents accepted: the generator no longer exercises both sides", accepted)
	}
}
