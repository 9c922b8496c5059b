package hhv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSubstepJacobian checks every derivative of a substep against
// central differences, at random states and at the 0/0 points of α_n
// (V = 10) and α_m (V = 25).
func TestSubstepJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 7))
	type in struct{ v, m, h, n, i float64 }
	cases := []in{{10, 0.3, 0.5, 0.4, 5}, {25 + 3e-7, 0.6, 0.2, 0.7, -3}, {25, 0.1, 0.9, 0.2, 0}}
	for range 40 {
		cases = append(cases, in{-20 + 140*rng.Float64(), rng.Float64(), rng.Float64(), rng.Float64(), -10 + 50*rng.Float64()})
	}
	const hs, small = 0.05, 1e-6
	for _, c := range cases {
		f := func(x []float64) State[float64] {
			return Substep(State[float64]{V: x[0], M: x[1], H: x[2], N: x[3]}, x[4], hs, small, nil)
		}
		var j Jac[float64]
		Substep(State[float64]{V: c.v, M: c.m, H: c.h, N: c.n}, c.i, hs, small, &j)
		x := []float64{c.v, c.m, c.h, c.n, c.i}
		// want[out][in]: rows V, m, h, n of the new state; columns V, m, h, n, I.
		want := [4][5]float64{
			{j.VV, j.VM, j.VH, j.VN, j.VI},
			{j.MV, j.MM, 0, 0, 0},
			{j.HV, 0, j.HH, 0, 0},
			{j.NV, 0, 0, j.NN, 0},
		}
		for col := range 5 {
			step := 1e-6
			if col == 0 && (math.Abs(c.v-10) < 1e-3 || math.Abs(c.v-25) < 1e-3) {
				// Beside a 0/0 point 1 − e^{−x/10} keeps too few digits
				// for a step of 1e-6 to resolve the slope.
				step = 1e-3
			}
			up, down := append([]float64(nil), x...), append([]float64(nil), x...)
			up[col] += step
			down[col] -= step
			a, b := f(up), f(down)
			got := [4]float64{(a.V - b.V) / (2 * step), (a.M - b.M) / (2 * step), (a.H - b.H) / (2 * step), (a.N - b.N) / (2 * step)}
			for row := range 4 {
				if d := math.Abs(got[row] - want[row][col]); d > 1e-6*max(1, math.Abs(got[row])) {
					t.Fatalf("state %+v: d(new %d)/d(old %d) = %.9g, finite differences %.9g", c, row, col, want[row][col], got[row])
				}
			}
		}
	}
}
