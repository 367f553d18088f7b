package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRunSmall runs every section of `make bench` at toy sizes: the figures
// mean nothing here (no target is checked; speed targets live in the bench,
// not in tests), but a section that no longer runs — a model change that
// breaks its setup — fails make test instead of the next person's make
// bench. The cold starts are skipped (no RepoRoot: they build binaries).
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every bench section")
	}
	t.Chdir("../..") // section 5 reads scenarios/ from the repository root
	c := Config{Users: 300, E2EPeople: 30, OktaUsers: 300, OktaAppUsers: 20, MemorySizes: []int{100, 300}, DurableSizes: []int{100, 300},
		Duration: 50 * time.Millisecond, Workers: 2, Pace: time.Millisecond}
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]int{}
	for _, r := range rep.Rows {
		sections[strings.SplitN(r.Section, " ", 2)[0]]++
		if r.Value == "" {
			t.Errorf("%s / %s: no value", r.Section, r.Measure)
		}
	}
	for _, s := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		if sections[s] == 0 {
			t.Errorf("section %s gave no row: %v", s, sections)
		}
	}
	// Section 6 at every size, with the scaling rows and the boot time.
	want := []string{"6 durable, 100 users", "6 durable, 300 users", "PATCH rate at 300 users against 100",
		"POST rate at 300 users against 100", "boot of a 300-user data directory"}
	md := rep.Markdown()
	for _, w := range want {
		if !strings.Contains(md, w) {
			t.Errorf("no %q row in:\n%s", w, md)
		}
	}
}
