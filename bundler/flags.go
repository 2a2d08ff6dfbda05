package bundler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/internal/suggest"
)

// Feature flags the reference (16.2.3) reads, with its defaults. A deploy
// tool passes the flags it passes to the reference in
// Options.FeatureFlags; an unknown one gives a warning and is ignored.
const (
	// FlagTraceWithNft makes nft (the trace bundler) the default for
	// every Node function that would otherwise use zisi.
	FlagTraceWithNft = "traceWithNft"
	// FlagPureESM ships ESM untranspiled when the main file has ESM
	// syntax inside a "type": "module" package.
	FlagPureESM = "zisi_pure_esm"
	// FlagPureESMMjs ships ESM untranspiled when the main file is .mjs
	// (on for a function whose nodeModuleFormat is "esm").
	FlagPureESMMjs = "zisi_pure_esm_mjs"
	// FlagOutputCJSExtension names CommonJS output files .cjs.
	FlagOutputCJSExtension = "zisi_output_cjs_extension"
	// FlagErrorCJSInESMScope fails a CommonJS .js function file inside a
	// "type": "module" package instead of shipping one that fails at
	// run time; as in the reference, only nft checks (traceWithNft or
	// node_bundler = "nft"), not the zisi bundler.
	FlagErrorCJSInESMScope = "zisi_error_cjs_in_esm_scope"
	// FlagAddInstrumentationLoader adds ___netlify-telemetry.mjs to every
	// Node.js archive, v1 and v2 (the reference's zip and directory
	// output both do). The reference defaults it to true; zisi treats an
	// unset flag as false (see README, "Differences from
	// zip-it-and-ship-it"), so a deploy tool sets it to true to get the
	// file.
	FlagAddInstrumentationLoader = "zisi_add_instrumentation_loader"
	// FlagFailDoubleGlob is read by no code in the reference.
	FlagFailDoubleGlob = "zisi_esbuild_fail_double_glob"
	// FlagBuildRustSource builds Rust functions from source (not
	// supported by zisi: a warning when set).
	FlagBuildRustSource = "buildRustSource"
	// FlagNetlifyPlay and FlagContainerFunctions are experiments of the
	// reference zisi does not support (a warning when set).
	FlagNetlifyPlay        = "zisi_netlify_play"
	FlagContainerFunctions = "zisi_container_functions"
)

// knownFlags maps every flag zisi accepts to whether it is supported: an
// unsupported one set to true gives a warning.
var knownFlags = map[string]bool{
	FlagTraceWithNft:             true,
	FlagPureESM:                  true,
	FlagPureESMMjs:               true,
	FlagOutputCJSExtension:       true,
	FlagErrorCJSInESMScope:       true,
	FlagAddInstrumentationLoader: true,
	FlagFailDoubleGlob:           true,
	FlagBuildRustSource:          false,
	FlagNetlifyPlay:              false,
	FlagContainerFunctions:       false,
}

// KnownFeatureFlags lists the flags Options.FeatureFlags understands.
func KnownFeatureFlags() []string { return slices.Sorted(maps.Keys(knownFlags)) }

// flagWarnings checks Options.FeatureFlags: an unknown name, or an
// unsupported flag turned on, is a warning.
func flagWarnings(flags map[string]bool) []Warning {
	var out []Warning
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		supported, known := knownFlags[name]
		switch {
		case !known:
			msg := fmt.Sprintf("unknown feature flag %q is ignored; known flags: %s", name, strings.Join(KnownFeatureFlags(), ", "))
			if s := suggest.Closest(name, KnownFeatureFlags()); s != "" {
				msg = fmt.Sprintf("unknown feature flag %q is ignored; did you mean %q?", name, s)
			}
			out = append(out, Warning{Message: msg})
		case !supported && flags[name]:
			out = append(out, Warning{Message: fmt.Sprintf("feature flag %q is not supported by zisi and is ignored", name)})
		}
	}
	return out
}
