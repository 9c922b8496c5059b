// Package neuron holds the single-neuron dynamics of the study, in float64:
// Hodgkin–Huxley (HH), the simulation leaky integrate-and-fire neuron (LIF),
// the exact four-LIF construction of one HH neuron (TVLIF2HH) and its
// constant-parameter simplification (SLIF2HH).
//
// Every type is a population: N neurons whose state lives in slices and is
// advanced in place, without allocating, by a Step method. A single neuron is
// a population of one. Parameters are plain values with the paper's presets
// published as constructors (HHShifted, HHAbsolute).
//
// Units throughout: mV, ms, µF/cm², mS/cm², µA/cm². The equations, update
// orders and initial states follow docs/model.md §1–§3; each
// type's doc comment states its discretisation and which state its outputs
// read.
package neuron
