package normal

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLayers checks the table: every layer of the ziggurat, the base with
// its tail included, has the same area, and the layers' right edges
// decrease from the tail's start to the top.
func TestLayers(t *testing.T) {
	z := newZiggurat()
	edge := func(i int) float64 { return float64(z.w[i]) * scale } // x at layer i's right edge
	base := tailStart*math.Exp(-0.5*tailStart*tailStart) + math.Sqrt(math.Pi/2)*math.Erfc(tailStart/math.Sqrt2)
	if math.Abs(base-layerArea) > 1e-9 {
		t.Errorf("base layer and tail: area %.12g, want %.12g", base, layerArea)
	}
	for i := 1; i < layers; i++ {
		// Layer i spans the density from f[i] up to f[i-1] (f[0] = 1 at x = 0).
		area := edge(i) * (z.f[i-1] - z.f[i])
		if math.Abs(area-layerArea) > 1e-6*layerArea {
			t.Errorf("layer %d: area %.12g, want %.12g", i, area, layerArea)
		}
		if i > 1 && edge(i) <= edge(i-1) {
			t.Errorf("layer %d's edge %g is not right of layer %d's %g", i, edge(i), i-1, edge(i-1))
		}
		if want := math.Exp(-0.5 * edge(i) * edge(i)); math.Abs(z.f[i]-want) > 1e-6 {
			t.Errorf("layer %d: density %g at its edge, want %g", i, z.f[i], want)
		}
	}
	if edge(layers-1) != float64(float32(tailStart)) {
		t.Errorf("the widest rectangle ends at %g, want the tail's start %g", edge(layers-1), tailStart)
	}
}

// normalCDF is Φ.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// TestDistribution compares 4 million deviates with the standard normal:
// their moments, a χ² test over 64 bins of equal probability, and the
// share beyond the tail's start (drawn by the tail's own method).
func TestDistribution(t *testing.T) {
	const n = 1 << 22
	x := make([]float32, n)
	Fill(x, rand.NewPCG(7, 11))
	var s1, s2, s3, s4 float64
	const bins = 64
	var counts [bins]int
	tail := 0
	for _, v := range x {
		f := float64(v)
		s1 += f
		s2 += f * f
		s3 += f * f * f
		s4 += f * f * f * f
		b := int(normalCDF(f) * bins)
		counts[min(max(b, 0), bins-1)]++
		if math.Abs(f) > tailStart {
			tail++
		}
	}
	mean, variance := s1/n, s2/n-(s1/n)*(s1/n)
	// Tolerances are five standard errors of each estimate.
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", mean, 0, 5 / math.Sqrt(n)},
		{"variance", variance, 1, 5 * math.Sqrt(2.0/n)},
		{"third moment", s3 / n, 0, 5 * math.Sqrt(15.0/n)},
		{"fourth moment", s4 / n, 3, 5 * math.Sqrt(96.0/n)},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s %.6f, want %g ± %.6f", c.name, c.got, c.want, c.tol)
		}
	}
	chi2, expect := 0.0, float64(n)/bins
	for _, c := range counts {
		chi2 += (float64(c) - expect) * (float64(c) - expect) / expect
	}
	// 63 degrees of freedom: P(χ² > 110) ≈ 2e-4.
	if chi2 > 110 {
		t.Errorf("χ² over %d equal-probability bins = %.1f, want < 110", bins, chi2)
	}
	p := 2 * (1 - normalCDF(tailStart))
	if want, sd := p*n, math.Sqrt(p*n); math.Abs(float64(tail)-want) > 5*sd {
		t.Errorf("%d deviates beyond ±%g, want %.0f ± %.0f", tail, tailStart, want, 5*sd)
	}
}

// TestReproducible pins the first deviates of one seed, so that a change
// of the method is seen (it changes every result drawn with it).
func TestReproducible(t *testing.T) {
	got := make([]float32, 6)
	Fill(got, rand.NewPCG(1, 2))
	// From an independent implementation (Python, from the PCG-DXSM and
	// ziggurat definitions).
	want := []float32{0.5561389, -0.25769868, 0.13369931, -0.9795531, 0.23991737, -0.22447774}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("deviate %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func BenchmarkFill(b *testing.B) {
	x := make([]float32, 1<<16)
	src := rand.NewPCG(1, 2)
	for b.Loop() {
		Fill(x, src)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/deviate")
}

// BenchmarkNormFloat64 is math/rand/v2's deviate, for comparison.
func BenchmarkNormFloat64(b *testing.B) {
	x := make([]float32, 1<<16)
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/deviate")
}
