// Package report writes results for people and programs: PNG/SVG figures
// drawn with gonum.org/v1/plot, and JSON, CSV and NumPy .npy files. Every
// file is written atomically (a temporary file in the same folder, then a
// rename), so a reader never sees half a file and an interrupted run leaves
// nothing behind. The package knows nothing of neurons: callers pass plain
// slices.
package report
