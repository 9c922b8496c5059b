package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHHGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	const perSample, batch, steps = 4, 2, 6
	size := perSample * batch
	// Large rate coefficients make the gates (and so the leak) move.
	l := NewHH(perSample, 0.1, 2, smooth, rng)
	for k := range l.Coef {
		for i := range l.Coef[k] {
			l.Coef[k][i] = 0.5 + rng.Float64()
		}
	}
	x := randVec(rng, size*steps, 0, 30)
	c := randVec(rng, size*steps, -1, 1)
	loss := func(x []float64) float64 {
		l.Reset(size, perSample, steps)
		var s float64
		for k := 0; k < steps; k++ {
			s += dot(c[k*size:(k+1)*size], l.Forward(k, x[k*size:(k+1)*size]))
		}
		return s
	}
	loss(x)
	dx := make([]float64, size*steps)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dx[k*size:(k+1)*size], c[k*size:(k+1)*size])
	}
	checkGrad(t, "HH dIn", loss, x, dx)

	// With detached currents the membrane gradient passes unchanged:
	// dIn_t = Dt·Σ_{u ≥ t} c_u·Spike′(v_u − θ).
	l.DetachCurrents = true
	loss(x)
	dd := make([]float64, size*steps)
	for k := steps - 1; k >= 0; k-- {
		l.Backward(k, dd[k*size:(k+1)*size], c[k*size:(k+1)*size])
	}
	for i := 0; i < size; i++ {
		var acc float64
		for k := steps - 1; k >= 0; k-- {
			acc += c[k*size+i] * smooth.Grad(l.v[k][i]-l.Theta)
			if want := l.Dt * acc; math.Abs(dd[k*size+i]-want) > 1e-12 {
				t.Fatalf("detached dIn[%d][%d] = %g, want %g", k, i, dd[k*size+i], want)
			}
		}
	}
}

// TestHHStepFloat32: the float32 per-step HH (assembly rows on amd64,
// scalar tails) gives, bit for bit, the equations
// stepped in float32 in the same order, forward and backward, currents
// attached and detached.
func TestHHStepFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(44, 1))
	const per, rows, steps = 20, 3, 6 // 20 = 16 in vectors + 4 scalar
	n := per * rows
	for _, detach := range []bool{false, true} {
		l := NewHH(per, float32(0.5), 2, Rect[float32](0.5), rng)
		for k := range l.Coef {
			for i := range l.Coef[k] {
				l.Coef[k][i] = float32(rng.Float64())
			}
		}
		l.DetachCurrents = detach
		l.Reset(n, per, steps)
		x := to32(randVec(rng, n, 0, 12))
		g := to32(randVec(rng, n, -1, 1))
		var spikes, volts [][]float32
		for s := range steps {
			spikes = append(spikes, slices.Clone(l.Forward(s, x)))
			volts = append(volts, slices.Clone(l.v[s][:n]))
		}
		dIn := make([]float32, n)
		for s := steps - 1; s >= 0; s-- {
			l.Backward(s, dIn, g)
		}
		// The reference.
		v, cv, dRef := make([]float32, n), make([]float32, n), make([]float32, n)
		var vs [][]float32
		for s := range steps {
			for i := range v {
				c := i % per
				v[i] = v[i]*l.leak[s][c] + l.Dt*x[i] + l.drive[s][c]
				if want := above(v[i], l.Theta); spikes[s][i] != want {
					t.Fatalf("detach %v, step %d, neuron %d: spike %v, want %v", detach, s, i, spikes[s][i], want)
				}
			}
			if !slices.Equal(volts[s], v) {
				t.Fatalf("detach %v, step %d: membranes differ", detach, s)
			}
			vs = append(vs, slices.Clone(v))
		}
		for s := steps - 1; s >= 0; s-- {
			for i := range cv {
				dv := cv[i] + g[i]*within(vs[s][i]-l.Theta, 0.5)
				dRef[i] += l.Dt * dv
				if detach {
					cv[i] = dv
				} else {
					cv[i] = dv * l.leak[s][i%per]
				}
			}
		}
		if !slices.Equal(dIn, dRef) {
			t.Fatalf("detach %v: input gradients differ", detach)
		}
		if slices.Max(slices.Concat(spikes...)) == 0 || slices.Max(dRef) == 0 && slices.Min(dRef) == 0 {
			t.Fatal("no spikes or no gradient: the test checks little")
		}
	}
}
