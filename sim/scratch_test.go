package sim

import (
	"testing"
)

func BenchmarkScratchFC(b *testing.B) {
	d, _ := LoadFC("../../shared/data/paper-fc-network")
	for b.Loop() {
		RunFC(Settings{}, d)
	}
}
