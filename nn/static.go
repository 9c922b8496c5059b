package nn

// Static input. In the fully-connected models the image, and so each
// spiking neuron's input current, is the same at every step, and the loss
// sees the spikes only through their count. The static forms exploit both.
//
// LIF and HH: because the input x is one number per neuron and every
// step's spike gets the same gradient g (that of the count), back-
// propagation through time collapses to dIn = g·K(x), where K = Σ_t ∂s_t/∂x
// under the surrogate rule. The forward pass computes K alongside the
// counts by forward-mode differentiation (one tangent per neuron), so the
// backward pass is one multiplication and nothing is stored per step.
// TestStaticMatchesPerStep checks this against reverse mode over the
// per-step forms.
//
// s-LIF2HH has three inputs and a shared mixing layer, so it keeps reverse
// mode: the forward pass stores each step's membranes, the backward pass
// walks them back.
//
// Blocks of neurons are split over a tensor.Pool; each block runs all T
// steps while its state stays in L1.
//
// float32 with the rectangular surrogate — training — takes kernels that
// compute spikes and surrogate windows from sign bits instead of branches
// (spikes are data-dependent, so branches mispredict), with AVX2
// assembly versions on amd64 (package internal/kernels); all compute the
// generic code's expressions in the same order
// (TestFastKernelsMatchGeneric).

// staticBlock is the number of neurons (units) in a block of work.
const staticBlock = 64

// checkStatic panics on misuse of a static form.
func checkStatic(steps, n, size int) {
	if steps < 1 {
		panic("nn: static forms need at least one step (call Reset)")
	}
	if n < size {
		panic("nn: buffer shorter than the layer")
	}
}

// ---------------------------------------------------------------- LIF

func scaleInto[F Float](dst, a, b []F) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// ---------------------------------------------------------------- HH

// ---------------------------------------------------------------- s-LIF2HH
