package ids

import (
	"strings"
	"testing"
)

func TestIDsSeededAreRepeatable(t *testing.T) {
	a, b, c := New(7), New(7), New(8)
	for range 5 {
		x, y, z := a.UUID(), b.UUID(), c.UUID()
		if x != y {
			t.Fatalf("same seed gave %s and %s", x, y)
		}
		if x == z {
			t.Fatalf("different seeds gave the same id %s", x)
		}
		if x[14] != '4' || !strings.ContainsRune("89ab", rune(x[19])) {
			t.Fatalf("%s is not a version-4 UUID", x)
		}
	}
	if h := a.Hex(12); len(h) != 24 {
		t.Fatalf("Hex(12) = %q", h)
	}
	if tok := New(0).Token(64); len(tok) != 64 || strings.Trim(tok, base62) != "" {
		t.Fatalf("Token = %q", tok)
	}
}
