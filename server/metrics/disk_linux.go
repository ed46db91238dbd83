package metrics

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
)

// diskSpace is the free space (for an unprivileged process, as the server
// runs) and size of the file system holding dir. A folder not made yet
// (no photo uploaded so far) is measured at its parent.
func diskSpace(dir string) (free, size uint64, ok bool, err error) {
	var st syscall.Statfs_t
	for {
		err = syscall.Statfs(dir, &st)
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("disk space of %s: %w", dir, err)
	}
	bs := uint64(st.Bsize)
	return st.Bavail * bs, st.Blocks * bs, true, nil
}
