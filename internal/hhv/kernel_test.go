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

// TestStepKernels checks kernels.HHvStepForward and HHvStepBackward
// against Neuron.Step and StepBack bit for bit, from states a few steps
// into a window (some spiking), with random adjoints and spike gradients.
func TestStepKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 9))
	p := neuron.HHShifted()
	v, m, nn, h := p.Rest()
	rest := hhv.State[float32]{V: float32(v), M: float32(m), H: float32(h), N: float32(nn)}
	const n, stride, gain = 64, 72, 20
	nr := hhv.NewNeuron(rest, 0.05, 25, 20, 0, 15, 20)
	k := [9]float32{gain, -nr.H, nr.Theta, nr.Lens, nr.Small, rest.V, rest.M, rest.H, rest.N}
	ck, adj := make([]float32, 3*stride+n), make([]float32, 3*stride+n)
	in, dSpk := make([]float32, n), make([]float32, n)
	spiking := 0
	for j := range n {
		in[j] = float32(rng.Float64()*2 - 0.3)
		s := rest
		for range rng.IntN(6) {
			var sp float32
			s, sp = nr.Step(s, gain*in[j])
			spiking += int(sp)
		}
		ck[j], ck[stride+j], ck[2*stride+j], ck[3*stride+j] = s.V, s.M, s.H, s.N
		for q := range 4 {
			adj[q*stride+j] = float32(rng.NormFloat64())
		}
		dSpk[j] = float32(rng.NormFloat64())
	}
	if spiking == 0 {
		t.Fatal("no neuron spiked on the way: the states are all quiet")
	}
	state, spk := make([]float32, len(ck)), make([]float32, n)
	kernels.HHvStepForward(&ck[0], &state[0], &in[0], &spk[0], n, stride, nr.Substeps, &k)
	adj2, di := append([]float32(nil), adj...), make([]float32, n)
	kernels.HHvStepBackward(&ck[0], &adj2[0], &in[0], &dSpk[0], &di[0], n, stride, nr.Substeps, &k)
	bits := math.Float32bits
	for j := range n {
		s0 := hhv.State[float32]{V: ck[j], M: ck[stride+j], H: ck[2*stride+j], N: ck[3*stride+j]}
		s, sp := nr.Step(s0, gain*in[j])
		got := hhv.State[float32]{V: state[j], M: state[stride+j], H: state[2*stride+j], N: state[3*stride+j]}
		if bits(sp) != bits(spk[j]) || bits(s.V) != bits(got.V) || bits(s.M) != bits(got.M) || bits(s.H) != bits(got.H) || bits(s.N) != bits(got.N) {
			t.Fatalf("neuron %d forward: kernel %+v, %v; Go %+v, %v", j, got, spk[j], s, sp)
		}
		a0 := hhv.State[float32]{V: adj[j], M: adj[stride+j], H: adj[2*stride+j], N: adj[3*stride+j]}
		a, d := nr.StepBack(s0, gain*in[j], a0, dSpk[j])
		ga := hhv.State[float32]{V: adj2[j], M: adj2[stride+j], H: adj2[2*stride+j], N: adj2[3*stride+j]}
		if bits(d) != bits(di[j]) || bits(a.V) != bits(ga.V) || bits(a.M) != bits(ga.M) || bits(a.H) != bits(ga.H) || bits(a.N) != bits(ga.N) {
			t.Fatalf("neuron %d backward: kernel %+v, %v; Go %+v, %v", j, ga, di[j], a, d)
		}
	}
}
