package sim

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIDsSeededAreRepeatable(t *testing.T) {
	a, b, c := NewIDs(7), NewIDs(7), NewIDs(8)
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
	if tok := NewIDs(0).Token(64); len(tok) != 64 || strings.Trim(tok, base62) != "" {
		t.Fatalf("Token = %q", tok)
	}
}

func TestSecretHash(t *testing.T) {
	h := HashSecret("s3cret")
	if !h.Matches("s3cret") || h.Matches("s3cret ") || h.Matches("") {
		t.Fatal("hash comparison wrong")
	}
	if strings.Contains(fmt.Sprintf("%x", h), "s3cret") {
		t.Fatal("hash holds the secret")
	}
}

func TestJournalRing(t *testing.T) {
	j := NewJournal(JournalOptions{MaxEntries: 3, MaxBodyBytes: 8}, NewFakeClock(time.Unix(0, 0)))
	for i := range 5 {
		j.Append(JournalEntry{Tenant: []string{"a", "b"}[i%2], Path: fmt.Sprint(i), RequestBody: []byte(`{"n":1}`)})
	}
	all := j.Entries(JournalQuery{})
	if len(all) != 3 || all[0].Path != "2" || all[2].Path != "4" || all[2].Seq != 5 {
		t.Fatalf("ring = %+v", all)
	}
	if got := j.Entries(JournalQuery{Tenant: "a"}); len(got) != 2 || got[0].Path != "2" {
		t.Fatalf("tenant a = %+v", got)
	}
	if got := j.Entries(JournalQuery{AfterSeq: 4}); len(got) != 1 || got[0].Path != "4" {
		t.Fatalf("after 4 = %+v", got)
	}
	if got := j.Entries(JournalQuery{Limit: 1}); len(got) != 1 || got[0].Path != "4" {
		t.Fatalf("limit 1 = %+v", got)
	}
	j.Append(JournalEntry{Path: "big", RequestBody: []byte(`{"long":"0123456789"}`)})
	last := j.Entries(JournalQuery{Limit: 1})[0]
	if !strings.Contains(string(last.RequestBody), "truncated") {
		t.Fatalf("oversized body kept whole: %s", last.RequestBody)
	}
	j.Clear("a")
	for _, e := range j.Entries(JournalQuery{}) {
		if e.Tenant == "a" {
			t.Fatalf("tenant a not cleared: %+v", e)
		}
	}
	j.Clear("")
	if n := len(j.Entries(JournalQuery{})); n != 0 {
		t.Fatalf("%d entries after clear", n)
	}
}

func TestJournalMiddleware(t *testing.T) {
	j := NewJournal(JournalOptions{}, nil)
	h := j.Middleware(func(r *http.Request) string { return "t1" }, func(r *http.Request) bool { return r.URL.Path == "/skip" })(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write(body) // echo: the handler still sees the whole body
		}))
	req := httptest.NewRequest("POST", "/x?q=1", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer top-secret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/skip", nil))
	if rec.Body.String() != `{"a":1}` {
		t.Fatalf("handler saw %q", rec.Body.String())
	}
	es := j.Entries(JournalQuery{})
	if len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
	e := es[0]
	if e.Status != http.StatusTeapot || e.Tenant != "t1" || e.Query != "q=1" || string(e.RequestBody) != `{"a":1}` ||
		string(e.ResponseBody) != `{"a":1}` || e.Auth != "Bearer [redacted]" {
		t.Fatalf("entry = %+v", e)
	}
}

func TestApplyEnv(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	addr := fs.String("listen-addr", "default", "")
	name := fs.String("name", "default", "")
	var list StringList
	fs.Var(&list, "domain", "")
	if err := fs.Parse([]string{"--name", "cli"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"P_LISTEN_ADDR": "from-env", "P_NAME": "ignored", "P_DOMAIN": "a.com, b.com"}
	if err := ApplyEnv(fs, "P", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *addr != "from-env" || *name != "cli" || list.String() != "a.com,b.com" {
		t.Fatalf("addr %q name %q list %q", *addr, *name, list.String())
	}
}
