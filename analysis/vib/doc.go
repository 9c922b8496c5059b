// Package vib measures how much information a spiking layer keeps about
// its input and the labels, with a deep variational information bottleneck
// (Alemi et al., 2017) over a spiking encoder, as the study's Fig. 5d does
// (docs/model.md §7): I(Z;X) ≤ E[KL(q(z|x) ‖ N(0, I))] and
// I(Z;Y) ≥ H(Y) − E[CE], in bits, measured each epoch on the test set with
// an exponential moving average of the weights.
//
// Unlike the study's code, the bottleneck term β·KL is trained (Run with
// Published false), the label entropy is that of the label pairs, and the
// 12-draw prediction averages class probabilities over the classes.
package vib
