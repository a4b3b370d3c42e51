//go:build race

package ecfixed

// raceEnabled is true when the tests run with the race detector, which
// makes every verification about ten times slower: the longest tests then
// run fewer random cases (the full set runs without -race).
const raceEnabled = true
