//go:build !linux

package metrics

// diskSpace is measured on Linux only (the server's platform: Dockerfile,
// systemd unit); elsewhere zsc_disk_* are left out.
func diskSpace(string) (free, size uint64, ok bool, err error) { return 0, 0, false, nil }
