// Package node builds Node.js functions: it chooses a bundler the way the
// reference does, collects the files a function ships, and lays them out
// in the archive with the reference's base path, entry file and `src/`
// namespace rules (ZISI's src/runtimes/node/utils/zip.ts).
package node
