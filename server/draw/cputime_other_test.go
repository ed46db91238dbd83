//go:build !linux

package draw

import "time"

// cpuTime is not measured outside Linux.
func cpuTime() time.Duration { return 0 }
