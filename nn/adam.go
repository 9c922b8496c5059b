package nn

import (
	"math"

	"github.com/hhnet/hhnet/internal/kernels"
	"github.com/hhnet/hhnet/tensor"
)

// Adam is the Adam optimiser with PyTorch's semantics: the weight decay is
// added to the gradient (L2), g = ∇ + wd·θ, and the update is
// θ ← θ − lr·m̂/(√v̂ + ε) with bias-corrected moments.
type Adam[F Float] struct {
	Beta1, Beta2, Eps float64 // 0.9, 0.999, 1e-8 from NewAdam
	WeightDecay       float64
	Steps             int          // updates done; the bias corrections use it
	M, V              [][]F        // moments, one slice per parameter
	Pool              *tensor.Pool // splits the update; nil runs it here
	// Average, when set, is a moving average of the parameters that Step
	// updates block by block right after Adam, while the new values are
	// still in cache.
	Average *Average[F]
	work    adamWork[F]
}

// NewAdam returns Adam with PyTorch's default β and ε for params.
func NewAdam[F Float](params []*Param[F], weightDecay float64) *Adam[F] {
	a := &Adam[F]{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
	for _, p := range params {
		a.M = append(a.M, make([]F, len(p.Value)))
		a.V = append(a.V, make([]F, len(p.Value)))
	}
	return a
}

// Step updates params (the ones given to NewAdam, in the same order) with
// learning rate lr and zeroes their gradients.
func (a *Adam[F]) Step(params []*Param[F], lr float64) {
	if len(params) != len(a.M) {
		panic("nn: Adam.Step with other parameters than NewAdam's")
	}
	a.Steps++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.Steps))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.Steps))
	if a.Average != nil {
		a.work.avgK = [2]F{F(a.Average.Decay), F(1 - a.Average.Decay)}
	}
	a.work.k = adamKernel[F]{b1: F(a.Beta1), b2: F(a.Beta2), wd: F(a.WeightDecay), stepSize: F(lr / bc1),
		sqrtBC2: F(math.Sqrt(bc2)), eps: F(a.Eps)}
	for i, p := range params {
		n := len(p.Value)
		w := &a.work
		w.val, w.grad, w.m, w.v = p.Value, p.Grad[:n], a.M[i][:n], a.V[i][:n]
		w.avg = nil
		if a.Average != nil {
			w.avg = a.Average.Values[i][:n]
		}
		// Elementwise, so splitting it changes no result.
		a.Pool.Run(w, n, 1<<14)
	}
	a.work = adamWork[F]{}
}

// adamWork is one parameter's update, kept in Adam so that handing it to
// the pool allocates nothing.
type adamWork[F Float] struct {
	k               adamKernel[F]
	val, grad, m, v []F
	avg             []F // the moving average, or nil
	avgK            [2]F
}

func (w *adamWork[F]) Range(lo, hi int) {
	if w32, ok := any(w).(*adamWork[float32]); ok {
		adam32(&w32.k, w32.val[lo:hi], w32.grad[lo:hi], w32.m[lo:hi], w32.v[lo:hi])
		if w32.avg != nil {
			average32(&w32.avgK, w32.avg[lo:hi], w32.val[lo:hi])
		}
		return
	}
	w.k.update(w.val[lo:hi], w.grad[lo:hi], w.m[lo:hi], w.v[lo:hi])
	if w.avg != nil {
		average(w.avgK, w.avg[lo:hi], w.val[lo:hi])
	}
}

type adamKernel[F Float] struct{ b1, b2, wd, stepSize, sqrtBC2, eps F }

func (k adamKernel[F]) update(val, grad, m, v []F) {
	grad, m, v = grad[:len(val)], m[:len(val)], v[:len(val)]
	for j, w := range val {
		g := grad[j] + k.wd*w
		mj := k.b1*m[j] + (1-k.b1)*g
		vj := k.b2*v[j] + (1-k.b2)*g*g
		m[j], v[j] = mj, vj
		val[j] = w - k.stepSize*mj/(F(math.Sqrt(float64(vj)))/k.sqrtBC2+k.eps)
		grad[j] = 0
	}
}

// MultiStepLR is PyTorch's MultiStepLR stepped once per epoch: the rate of
// epoch e (0-based) is Base·Gamma^(number of milestones ≤ e). With
// milestones 10, 20, 30, epochs 0–9 run at Base and epochs 10–19 at
// Base·Gamma ("after epoch 10" in 1-based counting).
type MultiStepLR struct {
	Base       float64
	Gamma      float64
	Milestones []int
}

// At returns the learning rate of epoch e (0-based).
func (s MultiStepLR) At(epoch int) float64 {
	lr := s.Base
	for _, m := range s.Milestones {
		if epoch >= m {
			lr *= s.Gamma
		}
	}
	return lr
}

// adam32 is the float32 Adam update (adamKernel.update).
func adam32(k *adamKernel[float32], val, grad, m, v []float32) {
	grad, m, v = grad[:len(val)], m[:len(val)], v[:len(val)]
	i := vectorPart(len(val))
	if i > 0 {
		c := [8]float32{k.b1, k.b2, k.wd, 1 - k.b1, 1 - k.b2, k.stepSize, k.sqrtBC2, k.eps}
		kernels.Adam(&val[0], &grad[0], &m[0], &v[0], i, &c)
	}
	if i < len(val) {
		k.update(val[i:], grad[i:], m[i:], v[i:])
	}
}

// Average is an exponential moving average of parameters (Polyak
// averaging): after every step Values[i] = Decay·Values[i] +
// (1 − Decay)·params[i].Value, the two products rounded apart, then summed.
type Average[F Float] struct {
	Decay  float64
	Values [][]F // one slice per parameter, started by the caller
}

// average is the moving average's update (Average).
func average[F Float](k [2]F, avg, x []F) {
	x = x[:len(avg)]
	for j, a := range avg {
		avg[j] = F(k[0]*a) + F(k[1]*x[j])
	}
}

// average32 is the float32 update, the leading multiple of eight values
// in the kernel.
func average32(k *[2]float32, avg, x []float32) {
	i := vectorPart(len(avg))
	if i > 0 {
		kernels.MovingAverage(&avg[0], &x[0], i, k)
	}
	if i < len(avg) {
		average(*k, avg[i:], x[i:len(avg)])
	}
}
