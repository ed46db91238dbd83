package directory

// SetMaxSize lowers the size cap for a test and returns a function that
// restores it, so that the cap is tested without reading 200 MB.
func SetMaxSize(n int64) (restore func()) {
	old := maxSize
	maxSize = n
	return func() { maxSize = old }
}
