// Package deploy holds the files that run zsc in production (the systemd
// units, the reverse proxy examples; the Dockerfile is at the repository
// root, where its build context is). It has no code: deploy_test.go checks
// that the files name the binary, the command, the user and the settings
// the server really has.
package deploy
