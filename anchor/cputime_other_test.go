//go:build !unix

package anchor_test

import "time"

// cpuTime is 0 where getrusage is not: receipts/cpu-s is then not
// reported.
func cpuTime() time.Duration { return 0 }
