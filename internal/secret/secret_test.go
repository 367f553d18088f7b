package secret

import (
	"fmt"
	"strings"
	"testing"
)

func TestSecretHash(t *testing.T) {
	h := HashOf("s3cret")
	if !h.Matches("s3cret") || h.Matches("s3cret ") || h.Matches("") {
		t.Fatal("hash comparison wrong")
	}
	if strings.Contains(fmt.Sprintf("%x", h), "s3cret") {
		t.Fatal("hash holds the secret")
	}
}

func TestPassword(t *testing.T) {
	h := HashPassword("Tr0ub4dor&3")
	if !PasswordMatches(h, "Tr0ub4dor&3") || PasswordMatches(h, "Tr0ub4dor&4") || PasswordMatches(h, "") {
		t.Fatal("password comparison wrong")
	}
	if strings.Contains(h, "Tr0ub4dor") || HashPassword("Tr0ub4dor&3") == h {
		t.Fatal("hash holds the password, or is unsalted")
	}
	if PasswordMatches("", "") || PasswordMatches("plain", "plain") {
		t.Fatal("a stored value that is not a hash matched")
	}
}
