// Package config reads a site's netlify.toml and answers, for one function
// name, the merged function configuration that applies to it.
//
// netlify.toml keys are snake_case (`node_bundler`); the merged
// FunctionConfig uses the reference tool's camelCase JSON names
// (`nodeBundler`) because that is what deploy tools read from build results.
//
// Function-name patterns are matched with the same rules as the reference's
// minimatch (see Match), and matches are merged by specificity weight with
// arrays concatenated, mirroring ZISI's src/config.ts.
//
// Each key is described once, in the table behind Keys: its netlify.toml
// and camelCase names, its validation (netlify.toml's, and the reference's
// schema for a v2 function's in-source configuration, see ParseSource),
// how it merges, and the result field that reports it. Loading, merging
// (Merge, MergeSource) and build results all read that table.
package config
