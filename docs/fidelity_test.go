// Package docs holds the tests that keep the user's documentation true: the
// fidelity catalogue's ids and cross-references, and the Go examples of
// go-api.md, which are compiled and run here.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// fidelityID matches a catalogue id: AREA-TOPIC-N (docs/fidelity.md, "Adding
// an entry"). The topic starts with a letter so that names such as
// "Okta-SCIM-20-SPEC-Test" are not taken for ids.
var fidelityID = regexp.MustCompile(`\b(?:ATL|OAPI|OKTA|SAML|SCIM)-[A-Z][A-Z0-9]*-[0-9]+\b`)

// catalogue is what docs/fidelity.md declares.
type catalogue struct {
	entries map[string]string // id → the entry's text
	order   []string          // ids in file order
	guesses []string          // ids of the Guesses table, in table order
}

func readCatalogue(t *testing.T) catalogue {
	t.Helper()
	raw, err := os.ReadFile("fidelity.md")
	if err != nil {
		t.Fatal(err)
	}
	c := catalogue{entries: map[string]string{}}
	text := string(raw)
	guessAt := strings.Index(text, "\n## Guesses")
	if guessAt < 0 {
		t.Fatal("docs/fidelity.md has no \"## Guesses\" section")
	}
	var id string
	for _, line := range strings.Split(text[:guessAt], "\n") {
		switch {
		case strings.HasPrefix(line, "### "):
			id = strings.TrimSpace(strings.TrimPrefix(line, "### "))
			if !fidelityID.MatchString(id) || fidelityID.FindString(id) != id {
				t.Errorf("docs/fidelity.md: heading %q is not an id of the form AREA-TOPIC-N", line)
			}
			if _, dup := c.entries[id]; dup {
				t.Errorf("docs/fidelity.md: %s is declared twice; ids are never reused", id)
			}
			c.entries[id] = ""
			c.order = append(c.order, id)
		case strings.HasPrefix(line, "## "), strings.HasPrefix(line, "---"):
			id = ""
		case id != "":
			c.entries[id] += line + "\n"
		}
	}
	for _, line := range strings.Split(text[guessAt:], "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		if g := strings.TrimSpace(cells[1]); fidelityID.FindString(g) == g && g != "" {
			c.guesses = append(c.guesses, g)
		}
	}
	return c
}

// TestFidelityCitationsExist fails when a comment, test, doc or golden file
// cites an id the catalogue does not declare: every citation must lead
// somewhere.
func TestFidelityCitationsExist(t *testing.T) {
	c := readCatalogue(t)
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".json", ".yaml", ".yml", ".txt", ".sh":
		default:
			if d.Name() != "Makefile" {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, id := range fidelityID.FindAllString(string(b), -1) {
			if _, ok := c.entries[id]; !ok {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s cites %s, which docs/fidelity.md does not declare: add the entry or fix the id", rel, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFidelityGuessesListed keeps the Guesses table, the entries marked
// **guess** and the README's list of guesses the same set.
func TestFidelityGuessesListed(t *testing.T) {
	c := readCatalogue(t)
	table := map[string]bool{}
	for _, id := range c.guesses {
		if table[id] {
			t.Errorf("docs/fidelity.md: %s is in the Guesses table twice", id)
		}
		table[id] = true
		text, ok := c.entries[id]
		switch {
		case !ok:
			t.Errorf("docs/fidelity.md: the Guesses table lists %s, which has no entry", id)
		case !strings.Contains(text, "**guess**"):
			t.Errorf("docs/fidelity.md: the Guesses table lists %s, but its entry marks nothing as **guess**", id)
		}
	}
	for _, id := range c.order {
		if strings.Contains(c.entries[id], "**guess**") && !table[id] {
			t.Errorf("docs/fidelity.md: %s marks a **guess** but is missing from the Guesses table", id)
		}
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## Fidelity notes")
	if start < 0 {
		t.Fatal("README.md has no \"## Fidelity notes\" section")
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var listed []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "- [") {
			listed = append(listed, fidelityID.FindString(line))
		}
	}
	want := append([]string(nil), c.guesses...)
	sort.Strings(want)
	sort.Strings(listed)
	if strings.Join(listed, " ") != strings.Join(want, " ") {
		t.Errorf("README.md's fidelity notes list the guesses\n  %v\nbut docs/fidelity.md's Guesses table has\n  %v", listed, want)
	}
}
