package draw

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SeedSource records how a draw's seed was made (ALGORITHM.md §8). Only a
// seed the server made after the snapshot was fixed proves that nobody chose
// the result; a supplied seed reproduces, but could have been tried offline
// until it drew whom someone wanted.
type SeedSource string

const (
	// SeedRandom: 32 bytes of crypto/rand, made after the snapshot hash was recorded.
	SeedRandom SeedSource = "random"
	// SeedSupplied: given by an operator (the command line, the demo).
	SeedSupplied SeedSource = "supplied"
	// SeedWitnessed: server randomness mixed with witnesses' revealed codes.
	SeedWitnessed SeedSource = "witnessed"
	// SeedUnknown: a draw stored before the source was recorded.
	SeedUnknown SeedSource = "unknown"
)

// Trusted reports whether a seed of this source shows that nobody chose it.
func (s SeedSource) Trusted() bool { return s == SeedRandom || s == SeedWitnessed }

// NewSeed makes a fresh seed from the operating system's cryptographic
// randomness. Call it only once the snapshot's hash is recorded: a seed that
// exists before the snapshot is fixed lets someone fit the snapshot to it.
func NewSeed() ([32]byte, error) {
	var s [32]byte
	if _, err := rand.Read(s[:]); err != nil {
		return s, fmt.Errorf("draw seed: %w", err)
	}
	return s, nil
}

// ParseSeed reads a seed written as 64 hex digits.
func ParseSeed(h string) ([32]byte, error) {
	var s [32]byte
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(s) {
		return s, fmt.Errorf("%w: a seed is 64 hex digits (32 bytes), got %q", ErrInvalid, h)
	}
	copy(s[:], b)
	return s, nil
}

// SeedCommitment is the SHA-256 of a seed's 32 bytes, in hex: published on
// the day of the draw while the seed itself stays withheld, so that when the
// seed appears anyone can check it is the one drawn with
// (echo -n SEED | xxd -r -p | sha256sum). A seed that is not 64 hex digits
// (it never is, once stored) is hashed as text, so it still cannot change.
func SeedCommitment(hexSeed string) string {
	b, err := hex.DecodeString(hexSeed)
	if err != nil {
		b = []byte(hexSeed)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
