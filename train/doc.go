// Package train runs the study's training and evaluation loops: epochs of
// mini-batches through a model of package models, Adam with the multi-step
// schedule, per-epoch test accuracy of both tasks, checkpoints written
// atomically and resumed bit-exactly, and metrics for scripts.
//
// The package prints nothing; progress goes to a Recorder the caller
// supplies.
package train
