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
package config
