// Package models assembles the study's multi-task networks (docs/model.md §4)
// from the layers of package nn: the fully-connected LIF_fc, HH_fc,
// LIF_hh_fc, 4LIF_fc and ANN. Every model maps a batch of 36×36 images to
// two sets of ten logits (task 1: the top-left item, task 2: the
// bottom-right one) and back-propagates through time by hand.
package models
