// Package nn holds the layers of the training engine, each with a
// hand-written forward and backward pass: Linear, the spiking layers LIF,
// HH (the paper's trainable Hodgkin–Huxley) and SLIF2HH (s-LIF2HH), the
// binary step of the ANN baseline, Conv2d and 2×2 average pooling,
// Pooled (a spiking stage on a constant input, pooled, run over all steps
// at once and differentiated by forward-mode replay), softmax
// cross-entropy, Adam with L2 weight decay and the multi-step
// learning-rate schedule (docs/model.md §4).
//
// Layers are generic over the float type: models train in float32 and the
// same code is checked against finite differences in float64.
//
// # Time and memory
//
// A spiking layer runs T steps. Forward(t, …) must be called for
// t = 0, 1, …, T−1 and Backward(t, …) for t = T−1, …, 0; the layer keeps
// every step's membrane and spikes (sized once by Reset) for the backward
// pass. Backward adds into the input-gradient buffers it is given (the
// caller zeroes them), so a static input's gradient can be summed over
// time in one buffer. Slices a layer returns are its own and are
// overwritten by the next call.
//
// Misuse (wrong lengths, steps out of order) panics with an "nn:" message.
//
// # Files
//
// Each unit has its files: lif.go (the type and its per-step form),
// lif_static.go (all steps at once on a constant input, for the fc
// models), lif_pooled.go (its course in Pooled, the conv models' first
// stage); likewise hh*.go, slif2hh*.go and step*.go. Each form is generic
// code (float32 or float64, any surrogate) which, in float32 with the
// rectangular surrogate, hands the leading multiple of eight of its slices
// to a kernel of package internal/kernels that gives the generic code's
// bits. spike.go holds what they all use (spike and surrogate functions,
// buffer helpers); static.go and pooled.go the drivers of the static and
// pooled forms. The tests mirror the files.
package nn
