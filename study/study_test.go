package study

import (
	"strings"
	"testing"

	"github.com/hhnet/hhnet/sweep"
)

// TestScales parses every scale: each has every experiment, and without
// RL the rl runs are gone and nothing else.
func TestScales(t *testing.T) {
	for _, s := range Scales() {
		f, _, err := Sweep(s, true)
		if err != nil {
			t.Fatal(err)
		}
		cmds := map[string]int{}
		for _, r := range sweep.Expand(f) {
			cmds[r.Command()]++
		}
		for _, c := range []string{"equiv", "train", "robustness", "rl", "cost", "mi"} {
			if cmds[c] == 0 {
				t.Errorf("%s: no %s run", s, c)
			}
		}
		noRL, _, _ := Sweep(s, false)
		n := 0
		for _, r := range sweep.Expand(noRL) {
			if r.Command() == "rl" {
				t.Errorf("%s without RL: %s", s, r.ID())
			}
			n++
		}
		if n != len(sweep.Expand(f))-cmds["rl"] {
			t.Errorf("%s without RL: %d runs, want %d", s, n, len(sweep.Expand(f))-cmds["rl"])
		}
	}
	if _, err := File("huge"); err == nil || !strings.Contains(err.Error(), "smoke, quick, full") {
		t.Errorf("unknown scale: %v", err)
	}
}
