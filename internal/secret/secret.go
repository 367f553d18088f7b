// Package secret stores API keys and tokens as hashes and checks them in
// constant time.
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
)

// SecretHash is the stored form of an API key: its SHA-256. Keys are random
// and long, so a fast hash is enough; what matters is that the plain key is
// never kept and comparison runs in constant time.
type Hash [sha256.Size]byte

// HashSecret hashes a key for storage.
func HashOf(key string) Hash { return sha256.Sum256([]byte(key)) }

// Matches reports, in constant time, whether key hashes to h.
func (h Hash) Matches(key string) bool {
	got := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(got[:], h[:]) == 1
}
