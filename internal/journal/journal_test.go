package journal

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

func TestJournalRing(t *testing.T) {
	j := New(Options{MaxEntries: 3, MaxBodyBytes: 8}, clock.NewFake(time.Unix(0, 0)))
	for i := range 5 {
		j.Append(Entry{Tenant: []string{"a", "b"}[i%2], Path: fmt.Sprint(i), RequestBody: []byte(`{"n":1}`)})
	}
	all := j.Entries(Query{})
	if len(all) != 3 || all[0].Path != "2" || all[2].Path != "4" || all[2].Seq != 5 {
		t.Fatalf("ring = %+v", all)
	}
	if got := j.Entries(Query{Tenant: "a"}); len(got) != 2 || got[0].Path != "2" {
		t.Fatalf("tenant a = %+v", got)
	}
	if got := j.Entries(Query{AfterSeq: 4}); len(got) != 1 || got[0].Path != "4" {
		t.Fatalf("after 4 = %+v", got)
	}
	if got := j.Entries(Query{Limit: 1}); len(got) != 1 || got[0].Path != "4" {
		t.Fatalf("limit 1 = %+v", got)
	}
	j.Append(Entry{Path: "big", RequestBody: []byte(`{"long":"0123456789"}`)})
	last := j.Entries(Query{Limit: 1})[0]
	if !strings.Contains(string(last.RequestBody), "truncated") {
		t.Fatalf("oversized body kept whole: %s", last.RequestBody)
	}
	j.Clear("a")
	for _, e := range j.Entries(Query{}) {
		if e.Tenant == "a" {
			t.Fatalf("tenant a not cleared: %+v", e)
		}
	}
	j.Clear("")
	if n := len(j.Entries(Query{})); n != 0 {
		t.Fatalf("%d entries after clear", n)
	}
}

func TestJournalMiddleware(t *testing.T) {
	j := New(Options{}, nil)
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
	es := j.Entries(Query{})
	if len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
	e := es[0]
	if e.Status != http.StatusTeapot || e.Tenant != "t1" || e.Query != "q=1" || string(e.RequestBody) != `{"a":1}` ||
		string(e.ResponseBody) != `{"a":1}` || e.Auth != "Bearer [redacted]" {
		t.Fatalf("entry = %+v", e)
	}
}

func TestChangedSignalsTheNextAppend(t *testing.T) {
	j := New(Options{MaxEntries: 4}, clock.NewFake(time.Unix(0, 0)))
	ch := j.Changed()
	select {
	case <-ch:
		t.Fatal("signalled before any append")
	default:
	}
	j.Append(Entry{Path: "/a"})
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("append did not signal")
	}
	if next := j.Changed(); next == ch {
		t.Fatal("a closed channel was handed out again")
	}
	for i := range 6 {
		j.Append(Entry{Path: fmt.Sprint(i)})
	}
	// The ring wrapped: entries after seq 5 are 6 and 7, found without
	// copying the rest.
	got := j.Entries(Query{AfterSeq: 5})
	if len(got) != 2 || got[0].Seq != 6 || got[1].Seq != 7 {
		t.Fatalf("after 5 = %+v", got)
	}
	if got := j.Entries(Query{AfterSeq: 99}); len(got) != 0 {
		t.Fatalf("after 99 = %+v", got)
	}
}

func TestNewestVisitsNewestFirstAndStops(t *testing.T) {
	j := New(Options{MaxEntries: 3}, clock.NewFake(time.Unix(0, 0)))
	for i := range 5 {
		j.Append(Entry{Path: fmt.Sprint(i)})
	}
	var seen []uint64
	j.Newest(0, func(e *Entry) bool { seen = append(seen, e.Seq); return true })
	if fmt.Sprint(seen) != "[5 4 3]" {
		t.Fatalf("all = %v", seen)
	}
	seen = nil
	j.Newest(3, func(e *Entry) bool { seen = append(seen, e.Seq); return true })
	if fmt.Sprint(seen) != "[5 4]" {
		t.Fatalf("after 3 = %v", seen)
	}
	seen = nil
	j.Newest(0, func(e *Entry) bool { seen = append(seen, e.Seq); return false })
	if fmt.Sprint(seen) != "[5]" {
		t.Fatalf("stopped = %v", seen)
	}
}

// Bodies are kept as sent and made JSON when read: JSON stays JSON, any
// other text becomes a JSON string, through Entries and Newest alike.
func TestBodiesReadAsJSON(t *testing.T) {
	j := New(Options{}, clock.NewFake(time.Unix(0, 0)))
	j.Append(Entry{Path: "json", RequestBody: []byte(` {"a":[1,2]} `), ResponseBody: []byte(`[true]`)})
	j.Append(Entry{Path: "text", RequestBody: []byte(`userName=bob&x="1"`), ResponseBody: []byte(`{"cut":`)})
	es := j.Entries(Query{})
	if string(es[0].RequestBody) != `{"a":[1,2]}` || string(es[0].ResponseBody) != `[true]` {
		t.Fatalf("JSON bodies = %s, %s", es[0].RequestBody, es[0].ResponseBody)
	}
	if string(es[1].RequestBody) != `"userName=bob\u0026x=\"1\""` || string(es[1].ResponseBody) != `"{\"cut\":"` {
		t.Fatalf("text bodies = %s, %s", es[1].RequestBody, es[1].ResponseBody)
	}
	j.Newest(0, func(e *Entry) bool {
		if !json.Valid(e.RequestBody) || !json.Valid(e.ResponseBody) {
			t.Fatalf("Newest: %s: bodies %s, %s", e.Path, e.RequestBody, e.ResponseBody)
		}
		return true
	})
	if _, err := json.Marshal(j.Entries(Query{})); err != nil {
		t.Fatalf("entries do not marshal: %v", err)
	}
}
