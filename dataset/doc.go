// Package dataset reads MNIST-format (IDX) files, finds the MNIST and
// Fashion-MNIST sources on this machine (or downloads them), generates the
// study's three two-item 36×36 datasets (Multi-MNIST, Multi-Fashion,
// Multi-(Fashion+MNIST), docs/model.md §5) into a checksummed cache, and serves
// reproducible float32 mini-batches for training.
//
// Everything random is drawn from an explicit seed. Generation splits the
// work across cores, but every image draws from its own stream, so the bytes
// do not depend on the number of cores.
package dataset
