package secret

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
)

// People's passwords (mockokta's sign-in page) are short and chosen by
// people, so unlike API keys they get a salt and a slow hash. The
// iteration count is low for a simulator: scenarios and the bench create
// thousands of people, each with a password (1,000 iterations: about half a
// millisecond). The count is stored with the hash, so it can change.
const pbkdf2Iterations = 1000

// HashPassword returns the stored form of a password:
// "pbkdf2-sha256$<iterations>$<salt>$<hash>", base64.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	key, _ := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	return "pbkdf2-sha256$" + strconv.Itoa(pbkdf2Iterations) + "$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
}

// PasswordMatches reports, in constant time, whether password is the one
// stored (by HashPassword). A stored value of another form never matches.
func PasswordMatches(stored, password string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iterations, err := strconv.Atoi(parts[1])
	if err != nil || iterations < 1 || iterations > 1_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iterations, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
