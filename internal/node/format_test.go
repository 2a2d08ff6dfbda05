package node

import "testing"

// TestTelemetryServiceName: the service name and version written into
// ___netlify-telemetry.mjs, with the values node gives for the
// reference's kebabCase and JSON.stringify on the same input.
func TestTelemetryServiceName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"@netlify/plugin-nextjs": "netlify-plugin-nextjs",
		"internalFunc":           "internal-func",
		"My Generator_v2.x":      "my-generator-v2-x",
		"aBcD":                   "a-bc-d",
		"fooBARBaz":              "foo-barbaz",
		"  lead\u00a0nbsp\ttab ": "lead-nbsp-tab",
		`x\\y`:                   "x-y",
	} {
		if got := kebabCase(in); got != want {
			t.Errorf("kebabCase(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := jsString("a\u2028b<>&\x01\"\\"), "\"a\u2028b<>&\\u0001\\\"\\\\\""; got != want {
		t.Errorf("jsString = %s, want %s", got, want)
	}
}

// TestOutputExtension is the reference's getFileExtensionForFormat for v1
// output: .mjs only for ESM with zisi_pure_esm_mjs, .cjs only for
// CommonJS with zisi_output_cjs_extension.
func TestOutputExtension(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format string
		flags  Flags
		want   string
	}{
		{formatCJS, Flags{}, ".js"},
		{formatESM, Flags{}, ".js"},
		{formatESM, Flags{PureESMMjs: true}, ".mjs"},
		{formatCJS, Flags{PureESMMjs: true}, ".js"},
		{formatCJS, Flags{OutputCJSExtension: true}, ".cjs"},
		{formatESM, Flags{OutputCJSExtension: true}, ".js"},
		{formatESM, Flags{OutputCJSExtension: true, PureESMMjs: true}, ".mjs"},
	} {
		if got := outputExtension(tc.format, tc.flags); got != tc.want {
			t.Errorf("%s %+v: %s, want %s", tc.format, tc.flags, got, tc.want)
		}
	}
}
