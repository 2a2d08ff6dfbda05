package source

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAPIVersionAndFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ext, src string
		version        int
		format         string
		esm            bool
	}{
		{"export default", ".mjs", `export default async () => new Response("x")`, 2, "esm", true},
		{"export default and handler", ".mjs", `export default () => 1; export const handler = () => 1`, 1, "esm", true},
		{"export { x as default }", ".js", `const x = () => 1; export { x as default }`, 2, "esm", true},
		{"exports.default", ".cjs", `exports.default = async () => new Response("x")`, 2, "cjs", false},
		{"module.exports.default", ".js", `module.exports.default = async () => 1`, 2, "cjs", false},
		{"module.exports = fn", ".js", `module.exports = async () => 1`, 1, "cjs", false},
		{"exports.handler", ".js", `exports.handler = async () => ({ statusCode: 200 })`, 1, "cjs", false},
		{"export { h as handler }", ".mjs", `const h = () => 1; export { h as handler }`, 1, "esm", true},
		{"export function handler", ".ts", `export async function handler(e: any) { return { statusCode: 200 } }`, 1, "esm", true},
		{"dynamic import in CommonJS", ".js", `exports.handler = async () => { await import("x") }`, 1, "cjs", true},
		{"import.meta in CommonJS", ".js", "exports.handler = () => import.meta.url", 1, "cjs", true},
		{"property named import", ".js", "exports.handler = () => x.import", 1, "cjs", false},
		{"typed default export", ".ts", `import type { Context } from "@netlify/functions"; export default async (req: Request, ctx: Context): Promise<Response> => new Response("ok")`, 2, "esm", true},
	}
	for _, tc := range cases {
		a, err := Analyze(tc.src, tc.ext, "fn")
		if err != nil || !a.Parsed || a.APIVersion != tc.version || a.InputModuleFormat != tc.format || a.ESMSyntax != tc.esm {
			t.Errorf("%s: %+v %v; want v%d %s esm=%v", tc.name, a, err, tc.version, tc.format, tc.esm)
		}
	}
	if a, _ := Analyze("exports.handler = (", ".js", "fn"); a.Parsed {
		t.Error("a syntax error must leave the file unparsed (no runtimeAPIVersion)")
	}
}

func TestConfigForms(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"export const":          `export default () => 1; export const config = { path: "/x", schedule: "@daily" }`,
		"typed export":          `export default () => 1; export const config: Config = { path: "/x", schedule: "@daily" }`,
		"satisfies":             `export default () => 1; export const config = { path: "/x", schedule: "@daily" } satisfies Config`,
		"as":                    `export default () => 1; export const config = { path: "/x", schedule: "@daily" } as Config`,
		"binding":               `const c = { path: "/x", schedule: "@daily" }; export default () => 1; export { c as config }`,
		"exports.config":        `exports.default = () => 1; exports.config = { path: "/x", schedule: "@daily" }`,
		"default object config": `export default { fetch() { return 1 }, config: { path: "/x", schedule: "@daily" } }`,
		"single quotes, comments": `export default () => 1
// a comment with "quotes" and { braces
export const config = { 'path': '/x', /* inline */ schedule: '@daily', }`,
	}
	for name, src := range cases {
		a, err := Analyze(src, ".ts", "fn")
		if err != nil || a.Config == nil || !slices.Equal(a.Config.Path, []string{"/x"}) || a.Config.Schedule != "@daily" {
			t.Errorf("%s: %+v %v", name, a.Config, err)
		}
	}
}

func TestConfigValues(t *testing.T) {
	t.Parallel()
	src := `
const P = "/ignored";
export default {
  async fetch(req) { return new Response("x") },
  deployBuilding() {},
  formSubmitted: async () => {},
  userLogin() {},
  notAnEvent() {},
}
export const config = {
  path: ["/a", "/b/:id", "/a"],
  excludedPath: "/a/private",
  method: ["get", "Post"],
  preferStatic: !0,
  name: "Display",
  generator: "gen@1",
  timeout: 30,
  region: "IAD",
  memory: "2gb",
  nodeBundler: "webpack",
  includedFiles: ["data/**"],
  background: true,
  template: ` + "`/x`" + `,
  other: P,
  rateLimit: { windowLimit: 10, windowSize: 60, aggregateBy: ["ip", "domain"], action: "rewrite", to: "/limited" },
}`
	a, err := Analyze(src, ".mjs", "fn")
	if err != nil {
		t.Fatal(err)
	}
	c := a.Config
	if !slices.Equal(c.Path, []string{"/a", "/b/:id", "/a"}) || !slices.Equal(c.ExcludedPath, []string{"/a/private"}) ||
		!slices.Equal(c.Method, []string{"GET", "POST"}) || c.PreferStatic == nil || !*c.PreferStatic || c.Name != "Display" || c.Generator != "gen@1" ||
		c.Timeout != 30 || c.Region != "iad" || c.Memory != 2048 || c.NodeBundler != "" || !slices.Equal(c.IncludedFiles, []string{"data/**"}) {
		t.Errorf("config %+v", c)
	}
	if a.InvocationMode != "background" {
		t.Errorf("background: true gives invocationMode %q", a.InvocationMode)
	}
	if r := c.RateLimit; r == nil || r.WindowLimit != 10 || r.To != "/limited" || !slices.Equal(r.AggregateBy, []string{"ip", "domain"}) {
		t.Errorf("rateLimit %+v", r)
	}
	if !slices.Contains(c.Present, "template") || !slices.Contains(c.Present, "nodeBundler") {
		t.Errorf("present %q", c.Present)
	}
	if want := []string{"fetch", "deploy_building", "submission_created", "identity_login"}; !slices.Equal(a.EventSubscriptions, want) {
		t.Errorf("events %q, want %q", a.EventSubscriptions, want)
	}
}

// TestValidationMessages uses the reference's exact messages (its zod
// schema, probed with the reference itself).
func TestValidationMessages(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`{ path: "nope" }`:              `'path': Must start with a '/'`,
		`{ path: ["/a", "b"] }`:         `'path.1': Must start with a '/'`,
		`{ path: 5 }`:                   `'path': Must be a string or array of strings`,
		`{ path: ["/a", 5] }`:           `'path': Must be a string or array of strings`,
		`{ excludedPath: ["/a", "x"] }`: `'excludedPath.1': Must start with a '/'`,
		`{ method: "FETCH" }`:           `'method': Must be a string or array of strings`,
		`{ method: ["GET", "nope"] }`:   `'method': Must be a string or array of strings`,
		`{ memory: 512 }`:               `'memory': Too small: expected number to be >=1024`,
		`{ memory: 5000 }`:              `'memory': Too big: expected number to be <=4096`,
		`{ memory: "abc" }`:             `'memory': Invalid input: expected number, received NaN`,
		`{ memory: 1500.5 }`:            `'memory': Invalid input: expected int, received number`,
		`{ memory: 2048, vcpu: 1 }`:     "'vcpu': `memory` and `vcpu` cannot both be set.",
		`{ vcpu: 0.1 }`:                 `'vcpu': Too small: expected number to be >=0.5`,
		`{ vcpu: 3 }`:                   `'vcpu': Too big: expected number to be <=2`,
		`{ vcpu: "1" }`:                 `'vcpu': Invalid input: expected number, received string`,
		`{ region: "mars" }`:            `'region': Invalid option: expected one of "cmh"|"dub"|"fra"|"gru"|"iad"|"lhr"|"nrt"|"pdx"|"sfo"|"sin"|"syd"|"yul"`,
	}
	for cfg, want := range cases {
		_, err := Analyze("export default () => 1; export const config = "+cfg, ".mjs", "my-fn")
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || err.Error() != "Function my-fn has a configuration error on "+want {
			t.Errorf("%s:\n got  %v\n want Function my-fn has a configuration error on %s", cfg, err, want)
		}
	}
	for _, ok := range []string{`{ timeout: "abc" }`, `{ name: 5 }`, `{ background: "yes" }`, `{ schedule: 5 }`, `{ rateLimit: { windowLimit: 5 } }`, `{ preferStatic: "yes" }`, `{ unknown: 1 }`} {
		a, err := Analyze("export default () => 1; export const config = "+ok, ".mjs", "fn")
		if err != nil || a.Config.Timeout != 0 || a.Config.Name != "" || a.Config.Background != nil || a.Config.RateLimit != nil {
			t.Errorf("%s must be dropped silently: %+v %v", ok, a.Config, err)
		}
	}
}

func TestV1Helpers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ext, src, schedule, mode, err string
	}{
		{"esm schedule", ".mjs", `import { schedule } from "@netlify/functions"; export const handler = schedule("@hourly", async () => ({}))`, "@hourly", "", ""},
		{"renamed", ".mjs", `import { schedule as s } from "@netlify/functions"; export const handler = s("0 * * * *", async () => ({}))`, "0 * * * *", "", ""},
		{"cjs", ".js", `const { schedule } = require("@netlify/functions"); exports.handler = schedule("@daily", async () => ({}))`, "@daily", "", ""},
		{"cron in a constant", ".js", `const { schedule } = require("@netlify/functions"); const CRON = "@weekly"; module.exports.handler = schedule(CRON, async () => ({}))`, "@weekly", "", ""},
		{"stream", ".ts", `import { stream } from "@netlify/functions"; export const handler = stream(async () => ({}))`, "", "stream", ""},
		{"other module", ".js", `const { schedule } = require("other"); exports.handler = schedule("@daily", () => 1)`, "", "", ""},
		{"v1 config export ignored", ".mjs", `export const handler = () => 1; export const config = { schedule: "@daily", path: "/x" }`, "", "", ""},
		{"imported, unused", ".js", `const { schedule } = require("@netlify/functions"); exports.handler = async () => ({})`, "", "", "The `schedule` helper was imported but we couldn't find any usages"},
		{"cron not literal", ".js", `const { schedule } = require("@netlify/functions"); const { c } = require("./c"); exports.handler = schedule(c, () => 1)`, "", "", "Unable to find cron expression for scheduled function"},
	}
	for _, tc := range cases {
		a, err := Analyze(tc.src, tc.ext, "fn")
		if tc.err != "" {
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || a.APIVersion != 1 || a.Schedule != tc.schedule || a.InvocationMode != tc.mode || a.Config != nil {
			t.Errorf("%s: %+v %v", tc.name, a, err)
		}
	}
}
