package draw

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, all threads together: on a
// shared machine it measures the draw where wall time measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
