// Package manifest defines manifest.json, the file deploy tools read to
// learn what a build produced, with exactly the reference tool's schema and
// key order (ZISI's src/manifest.ts).
package manifest
