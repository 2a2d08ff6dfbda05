//go:build race

package node

// raceEnabled: the race detector slows esbuild down tenfold, past the
// timing bounds some tests check.
const raceEnabled = true
