// Package analysis counts what the study's models cost: multiplications
// and additions per sample by the paper's dense rules (docs/model.md §6), the
// operations the hoisted implementation executes, trainable and frozen
// parameters, and — for the models package implements — synaptic
// operations driven by the spikes actually emitted, time per sample and
// the memory of a training step.
package analysis
