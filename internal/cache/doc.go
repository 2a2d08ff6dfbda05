// Package cache is zisi's build cache: records keyed by content hashes,
// kept in a local folder with a size bound, and optionally read through
// and written behind a shared blob store.
package cache
