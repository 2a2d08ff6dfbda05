package source

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// TestAgreesWithReferenceParser runs the reference's own parseSource on
// the same sources and compares what both conclude. It needs the
// reference installed (make test does it; ZISI_REFERENCE_DIR).
func TestAgreesWithReferenceParser(t *testing.T) {
	dir := os.Getenv("ZISI_REFERENCE_DIR")
	if dir == "" {
		t.Skip("ZISI_REFERENCE_DIR not set (make test sets it up)")
	}
	sources := []string{
		`export default async () => new Response("x")`,
		`export default () => 1; export const handler = () => 1`,
		`const x = () => 1; export { x as default }`,
		`exports.default = async () => 1`,
		`module.exports = async () => 1`,
		`exports.handler = async () => ({ statusCode: 200 })`,
		`exports.handler = async () => { await import("x") }`,
		`export default () => 1; export const config = { path: "/x", schedule: "@daily", method: "get" }`,
		`export default () => 1; export const config = { path: ["/a", "/b/:id"], excludedPath: "/b/x", preferStatic: true }`,
		`const c = { path: "/x" }; export default () => 1; export { c as config }`,
		`exports.default = () => 1; exports.config = { schedule: "@hourly" }`,
		`export default { fetch() { return 1 }, deployBuilding() {}, userSignup: () => 1, config: { path: "/x" } }`,
		`const o = { formSubmitted() {}, fetch: () => 1 }; export default o`,
		`export default () => 1; export const config = { path: "nope" }`,
		`export default () => 1; export const config = { memory: 512 }`,
		`export default () => 1; export const config = { region: "IAD", timeout: "abc", name: 5, background: true }`,
		`export default () => 1; export const config = { method: ["GET", "x"] }`,
		`import { schedule } from "@netlify/functions"; export const handler = schedule("@hourly", async () => ({}))`,
		`const { schedule } = require("@netlify/functions"); const C = "@daily"; exports.handler = schedule(C, () => 1)`,
		`const { schedule } = require("@netlify/functions"); exports.handler = async () => ({})`,
		`import { stream } from "@netlify/functions"; export const handler = stream(async () => ({}))`,
		`export const handler = () => 1; export const config = { schedule: "@daily" }`,
		`export default () => 1; export const config = { path: "/a", rateLimit: { windowLimit: 5, windowSize: 10, aggregateBy: ["ip"] } }`,
		`export default () => 1; export const config = { path: P }`,
	}
	script := `
const { parseSource } = await import(process.argv[1] + "/node_modules/@netlify/zip-it-and-ship-it/dist/runtimes/node/in_source_config/index.js");
const srcs = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = [];
for (const s of srcs) {
  try {
    const r = parseSource(s, { functionName: "fn" });
    out.push({ v: r.runtimeAPIVersion ?? 0, format: r.inputModuleFormat ?? "", schedule: r.config.schedule ?? "",
      mode: r.invocationMode ?? "", paths: r.config.path ?? [], methods: r.config.method ?? [], events: r.eventSubscriptions ?? [],
      region: r.config.region ?? "", error: "" });
  } catch (e) { out.push({ error: e.message }); }
}
console.log(JSON.stringify(out));`
	input, _ := json.Marshal(sources)
	cmd := exec.Command("node", "--input-type=commonjs", "-e", "(async () => {"+script+"})()", filepath.Clean(dir))
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run the reference: %v\n%s", err, stderr.String())
	}
	type summary struct {
		V       int      `json:"v"`
		Format  string   `json:"format"`
		Sched   string   `json:"schedule"`
		Mode    string   `json:"mode"`
		Paths   []string `json:"paths"`
		Methods []string `json:"methods"`
		Events  []string `json:"events"`
		Region  string   `json:"region"`
		Error   string   `json:"error"`
	}
	var want []summary
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, src := range sources {
		a, err := Analyze(src, ".mjs", "fn")
		got := summary{Paths: []string{}, Methods: []string{}, Events: []string{}}
		if err != nil {
			got = summary{Error: err.Error()}
		} else {
			got.V, got.Format, got.Sched, got.Mode = a.APIVersion, a.InputModuleFormat, a.Schedule, a.InvocationMode
			if a.Config != nil {
				got.Sched, got.Region = a.Config.Schedule, a.Config.Region
				got.Paths, got.Methods = nonNil(a.Config.Path), nonNil(a.Config.Method)
			}
			got.Events = nonNil(a.EventSubscriptions)
		}
		w := want[i]
		if w.Error == "" {
			w.Paths, w.Methods, w.Events = nonNil(w.Paths), nonNil(w.Methods), nonNil(w.Events)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s\n got  %+v\n want %+v", src, got, w)
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
