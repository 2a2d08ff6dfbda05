// Package source analyses a Node.js function's main file the way the
// reference does with Babel: v1 (a `handler` export) or v2 (a default
// export and no handler), the input module format, the v1 `schedule()` and
// `stream()` helpers from @netlify/functions, and the v2 in-source
// configuration (`export const config = {…}`), whose literal values
// config.ParseSource validates with the reference's rules and messages.
//
// Instead of a full JavaScript and TypeScript parser, the file is first
// run through esbuild's transform, which strips types (and `satisfies` /
// `as` wrappers, which zisi therefore honours) and prints every top-level
// statement in a regular form; a small tokenizer then reads the top-level
// statements and the literal values the configuration may hold.
package source
