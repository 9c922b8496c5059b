// Package study is the He et al. (2024) study as sweep files: every
// experiment at three scales (smoke: minutes, for CI; quick: about half
// an hour on a laptop; full: the published protocol), for `hhnet reproduce`.
package study

import (
	"embed"
	"fmt"
	"slices"
	"strings"

	"github.com/hhnet/hhnet/sweep"
)

//go:embed smoke.toml quick.toml full.toml
var files embed.FS

// Scales are the study's sizes, smallest first.
func Scales() []string { return []string{"smoke", "quick", "full"} }

// File returns the sweep file of a scale.
func File(scale string) ([]byte, error) {
	if !slices.Contains(Scales(), scale) {
		return nil, fmt.Errorf("scale %q, want one of %s", scale, strings.Join(Scales(), ", "))
	}
	return files.ReadFile(scale + ".toml")
}

// Sweep returns a scale's sweep, without the RL groups when withRL is
// false (a build without MuJoCo).
func Sweep(scale string, withRL bool) (*sweep.File, []byte, error) {
	text, err := File(scale)
	if err != nil {
		return nil, nil, err
	}
	f, err := sweep.Parse(text)
	if err != nil {
		return nil, nil, fmt.Errorf("the %s study: %w", scale, err)
	}
	if !withRL {
		f.Runs = slices.DeleteFunc(f.Runs, func(g sweep.Group) bool { return g.Command == "rl" })
	}
	return f, text, nil
}
