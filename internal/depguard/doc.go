// Package depguard holds no code: its test keeps the root module light.
// It fails if any package of the root module depends, directly or not,
// on go-ethereum, boxo, or a tessera storage driver (DESIGN.md: those
// belong in the nested anchor modules), and it records how many
// non-standard packages a user of the root module compiles.
package depguard
