// Package examples holds complete programs built only on selfattest's
// public API. Each program lives in its own directory: see verifier/.
package examples
