//go:build race

package testenv

// Race reports whether the race detector is on; it allocates, so tests of
// allocation counts skip under it.
const Race = true
