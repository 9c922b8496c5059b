package hhv_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/internal/hhv"
	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/neuron"
)

// TestStaticKernel checks kernels.HHvStatic against Neuron.Static bit for
// bit (counts and derivatives) on currents from silent to fast firing,
// around both 0/0 points' voltages and with 0 and 1 steps.
func TestStaticKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n = 256
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(rng.Float64()*3 - 0.5)
	}
	p := neuron.HHShifted()
	v, m, nn, h := p.Rest()
	rest := hhv.State[float32]{V: float32(v), M: float32(m), H: float32(h), N: float32(nn)}
	for _, steps := range []int{0, 1, 15} {
		for _, sub := range []int{1, 20} {
			nr := hhv.NewNeuron(rest, 0.05, 25, 20, 0, steps, sub)
			const gain = 20
			k := [9]float32{gain, -nr.H, nr.Theta, nr.Lens, nr.Small, nr.Rest.V, nr.Rest.M, nr.Rest.H, nr.Rest.N}
			count, sens := make([]float32, n), make([]float32, n)
			kernels.HHvStatic(&in[0], &count[0], &sens[0], n, steps, sub, &k)
			spikes := 0
			for i, x := range in {
				c, s := nr.Static(gain * x)
				if math.Float32bits(c) != math.Float32bits(count[i]) || math.Float32bits(s) != math.Float32bits(sens[i]) {
					t.Fatalf("steps %d, substeps %d, input %v: kernel %v, %v; Go %v, %v", steps, sub, x, count[i], sens[i], c, s)
				}
				spikes += int(c)
			}
			if steps == 15 && sub == 20 && spikes < n {
				t.Fatalf("%d spikes from %d neurons: the check hardly reaches the spike", spikes, n)
			}
		}
	}
}
