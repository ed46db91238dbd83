package http

// UploadFile is what an upload writes into (blobs.go).
type UploadFile = uploadFile

// SetCreateFile swaps the function uploads open their files with (a
// failing or full disk in tests) and returns the undo.
func SetCreateFile(f func(name string, flag int) (UploadFile, error)) func() {
	old := createFile
	createFile = f
	return func() { createFile = old }
}
