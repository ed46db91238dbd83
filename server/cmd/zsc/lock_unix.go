//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockDatabase takes an exclusive lock on dbPath+".lock" for as long as
// this process serves it: two servers on one database would each run a
// writer, a checkpointer and a sync engine that assume they are alone (the
// notice-number leases, the change log's sequence). flock is released by
// the kernel when the process ends, however it ends, so a stale lock file
// left by a crash never blocks the next start. The file holds the pid of
// its holder, for the message the second process prints.
func lockDatabase(dbPath string) (release func() error, err error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path) // only for the message: an unreadable pid is left out
		_ = f.Close()             // the error that matters is the lock's
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if pid := strings.TrimSpace(string(b)); pid != "" {
				holder = " (pid " + pid + ")"
			}
			return nil, fmt.Errorf("another zsc serve%s is already serving %s (it holds %s): stop it first, or give this one another --db", holder, dbPath, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	return f.Close, nil
}
