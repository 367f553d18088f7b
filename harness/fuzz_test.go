package harness

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml/parser"
)

// FuzzScenario feeds arbitrary bytes to Parse: it never panics, and it
// either returns a scenario or *Problems, each naming the file and, when
// the input is well-formed YAML, a line and column inside it.
//
//	go test -run '^$' -fuzz FuzzScenario -fuzztime 60s ./harness/
func FuzzScenario(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "../scenarios/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("name: x\nsteps: []\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("{\"name\": 1, \"steps\": {}}"))
	f.Add([]byte("--- \n...\n--- !!binary x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		s, err := Parse(file, data)
		if err == nil {
			if s == nil {
				t.Fatal("Parse returned neither a scenario nor an error")
			}
			return
		}
		var ps *Problems
		if !errors.As(err, &ps) || ps == nil || len(*ps) == 0 {
			t.Fatalf("error %T %v is not *Problems", err, err)
		}
		_, yamlErr := parser.ParseBytes(data, 0)
		lines := yamlLines(data)
		for _, p := range *ps {
			if p.File != file || p.Message == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
			if yamlErr == nil && (p.Line < 1 || p.Column < 1 || p.Line > lines) {
				t.Fatalf("well-formed YAML, but problem %q is at line %d, column %d (input has %d lines)\ninput: %q",
					p.Message, p.Line, p.Column, lines, data)
			}
		}
	})
}

// yamlLines counts lines as YAML does: "\r\n", a lone "\r" and "\n" each
// end one (YAML 1.2 §5.4), so a file with old Mac line ends has its
// problems on the lines its editor shows.
func yamlLines(data []byte) int {
	lines := 1
	for i, b := range data {
		if b == '\n' || (b == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
			lines++
		}
	}
	return lines
}
