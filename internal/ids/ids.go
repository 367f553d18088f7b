// Package ids generates the identifiers and secrets both simulators hand
// out, repeatably when seeded so a scenario run twice yields the same ids.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	mrand "math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// IDs generates identifiers. With a seed the sequence is repeatable, so a
// scenario run twice yields the same ids; without one it reads crypto/rand.
type Generator struct {
	mu  sync.Mutex
	src io.Reader
}

// NewIDs returns a generator; seed 0 means "random".
func New(seed uint64) *Generator {
	if seed == 0 {
		return &Generator{src: rand.Reader}
	}
	var key [32]byte
	for i := range 4 {
		for j := range 8 {
			key[i*8+j] = byte(seed >> (8 * j))
		}
		key[i*8] ^= byte(i)
	}
	return &Generator{src: mrand.NewChaCha8(key)}
}

func (g *Generator) read(b []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, err := io.ReadFull(g.src, b); err != nil {
		// crypto/rand and ChaCha8 never fail; a failure here is unrecoverable.
		panic("sim: id source failed: " + err.Error())
	}
}

// UUID returns a lowercase version-4 UUID, the shape of Atlassian's SCIM and
// directory ids (SCIM-USER-1).
func (g *Generator) UUID() string {
	var b [16]byte
	g.read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return uuid.UUID(b).String()
}

// Hex returns n random bytes as lowercase hex (2n characters).
func (g *Generator) Hex(n int) string {
	b := make([]byte, n)
	g.read(b)
	return hex.EncodeToString(b)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Token returns an n-character alphanumeric secret.
func (g *Generator) Token(n int) string {
	b := make([]byte, n)
	g.read(b)
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return string(b)
}
