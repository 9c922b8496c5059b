// Package sim wires neurons into networks and runs the study's equivalence
// experiments on them.
//
// A Network holds named groups (a population of any neuron kind with a
// spike threshold), dense connections between groups, and monitors. One
// Network.Step advances every group by dt:
//
//  1. the flags V > threshold of every group's current (old) state are taken;
//  2. populations that read other populations (a paired tv-LIF2HH reading
//     its HH twin's conductances) take their snapshot;
//  3. group by group, in the order they were added, the input current is
//     set to the group's bias, its drive and Wᵀ·flags of each incoming
//     connection — the old flags for a connection with delay 1 (the
//     default), the flags after this step's update for delay 0 (the source
//     must be added before the target) — and the group steps;
//  4. monitors record the new state.
//
// The experiments (RunXOR, RunFC, RunSignals) follow docs/model.md §3 and return
// spike trains, traces and metrics; they never print.
package sim
