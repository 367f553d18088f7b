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
