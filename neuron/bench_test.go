package neuron

import (
	"fmt"
	"testing"
)

// benchSizes are the population sizes every step benchmark sweeps.
var benchSizes = []int{1000, 100000}

// benchPopulation runs step over each size and reports neuron-steps/s.
func benchPopulation(b *testing.B, setup func(n int) func()) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			step := setup(n)
			step()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/neuron-step")
		})
	}
}

// hhBench returns HH neurons spread over rest and firing (input 0–20
// µA/cm²), so the rates see the whole voltage range.
func hhBench(n int) *HH {
	h := NewHH(HHShifted(), n)
	for i := range n {
		h.IExt[i] = 20 * float64(i) / float64(n)
	}
	return h
}

// BenchmarkHHStep is the fast Euler kernel at dt = 0.01 ms (the target).
func BenchmarkHHStep(b *testing.B) {
	benchPopulation(b, func(n int) func() {
		h := hhBench(n)
		return func() { h.StepEulerFast(0.01) }
	})
}

// BenchmarkHHStepExact is the exact kernel that reproduces the paper.
func BenchmarkHHStepExact(b *testing.B) {
	benchPopulation(b, func(n int) func() {
		h := hhBench(n)
		return func() { h.StepEuler(0.01) }
	})
}

func BenchmarkTVLIF2HHStep(b *testing.B) {
	b.Run("paired", func(b *testing.B) {
		benchPopulation(b, func(n int) func() {
			h := hhBench(n)
			tv := NewTVLIF2HH(h.Params, Paper, n, 0)
			copy(tv.IExt, h.IExt)
			gNa, gK := make([]float64, n), make([]float64, n)
			h.Conductances(gNa, gK)
			return func() { tv.StepWith(0.01, gNa, gK) }
		})
	})
	b.Run("standalone", func(b *testing.B) {
		benchPopulation(b, func(n int) func() {
			tv := NewTVLIF2HH(HHShifted(), Exact, n, 0)
			for i := range n {
				tv.IExt[i] = 20 * float64(i) / float64(n)
			}
			return func() { tv.Step(0.01) }
		})
	})
}

func BenchmarkSLIF2HHStep(b *testing.B) {
	benchPopulation(b, func(n int) func() {
		s := NewSLIF2HH(0.9, 70, n)
		for k := range 3 {
			for i := range n {
				s.In[k][i] = 10 * float64(i) / float64(n)
			}
		}
		return s.Step
	})
}
