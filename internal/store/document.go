package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/goccy/go-yaml"
)

// TenantRecords is one tenant with all its records: per kind, the values in
// the model's order. It is what loading a data directory reads, and a
// tenant of a snapshot document.
type TenantRecords struct {
	ID      string                       `json:"id"`
	Records map[string][]json.RawMessage `json:"records"`
}

// Document is a snapshot: some tenants of a server, whole, as one versioned
// JSON document. "orgs" because both servers' tenants are organizations.
type Document struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	Orgs    []TenantRecords `json:"orgs"`
}

// NewDocument starts an empty document of the schema's server.
func (s Schema) NewDocument() Document {
	return Document{Format: s.snapshotFormat(), Version: Version, Orgs: []TenantRecords{}}
}

// Collect encodes a tenant whole, locking it while it reads.
func Collect(id string, t Tenant) (TenantRecords, error) {
	out := TenantRecords{ID: id, Records: map[string][]json.RawMessage{}}
	t.Lock()
	defer t.Unlock()
	err := t.Records(func(kind, rid string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s %s: %w", kind, rid, err)
		}
		out.Records[kind] = append(out.Records[kind], b)
		return nil
	})
	return out, err
}

// DecodeDocument reads a snapshot document of any version this code knows,
// migrating older ones. Kinds the schema does not know are an error: a
// document from a newer server must not lose records silently.
func (s Schema) DecodeDocument(data []byte) (Document, error) {
	var head struct {
		Format  string            `json:"format"`
		Version int               `json:"version"`
		Orgs    []json.RawMessage `json:"orgs"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Document{}, fmt.Errorf("not a snapshot document: %w", err)
	}
	if head.Format != s.snapshotFormat() {
		return Document{}, fmt.Errorf("format %q: want %q", head.Format, s.snapshotFormat())
	}
	out := s.NewDocument()
	switch head.Version {
	case 1:
		for i, raw := range head.Orgs {
			t, err := s.FromV1(raw, nil)
			if err != nil {
				return Document{}, fmt.Errorf("orgs[%d]: %w", i, err)
			}
			out.Orgs = append(out.Orgs, t)
		}
	case Version:
		for i, raw := range head.Orgs {
			var t TenantRecords
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&t); err != nil {
				return Document{}, fmt.Errorf("orgs[%d]: %w", i, err)
			}
			if err := s.checkKinds(t); err != nil {
				return Document{}, fmt.Errorf("orgs[%d] (%s): %w", i, t.ID, err)
			}
			out.Orgs = append(out.Orgs, t)
		}
	default:
		return Document{}, fmt.Errorf("version %d: this server reads versions 1 to %d", head.Version, Version)
	}
	return out, nil
}

func (s Schema) checkKinds(t TenantRecords) error {
	for kind := range t.Records {
		if !slices.Contains(s.Kinds, kind) {
			return fmt.Errorf("unknown record kind %q: want one of %v", kind, s.Kinds)
		}
	}
	return nil
}

// DecodeOne decodes the one record of a kind that a tenant holds at most
// once (an org's settings): ok is false when there is none, and more than
// one is an error.
func DecodeOne[T any](t TenantRecords, kind string) (rec T, ok bool, err error) {
	recs, err := Decode[T](t, kind)
	switch {
	case err != nil:
		return rec, false, err
	case len(recs) > 1:
		return rec, false, fmt.Errorf("want at most one %s record, have %d", kind, len(recs))
	case len(recs) == 0:
		return rec, false, nil
	}
	return recs[0], true, nil
}

// Decode unmarshals the records of one kind, strictly: a field this code
// does not know is an error, not a silent loss. Large kinds are decoded on
// every CPU at once: decoding is most of the time a start takes to load a
// big data directory.
func Decode[T any](t TenantRecords, kind string) ([]T, error) {
	raws := t.Records[kind]
	out := make([]T, len(raws))
	decode := func(from, to int) error {
		for i := from; i < to; i++ {
			dec := json.NewDecoder(bytes.NewReader(raws[i]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&out[i]); err != nil {
				return fmt.Errorf("%s[%d]: %w", kind, i, err)
			}
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(raws)/4096+1)
	if workers <= 1 {
		return out, decode(0, len(raws))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = decode(w*len(raws)/workers, (w+1)*len(raws)/workers)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Add appends one record's value to a tenant being assembled (by a
// migration).
func (t *TenantRecords) Add(kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if t.Records == nil {
		t.Records = map[string][]json.RawMessage{}
	}
	t.Records[kind] = append(t.Records[kind], b)
	return nil
}

// SeedDocument reads a seed file that is a snapshot document, in JSON (as
// exported) or YAML: one with a top-level "format". ok is false for any
// other seed file, which the server reads as its own declarative seed.
func (s Schema) SeedDocument(data []byte) (doc *Document, ok bool, err error) {
	var head struct {
		Format string `yaml:"format" json:"format"`
	}
	raw := data
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		// JSON: no YAML pass over a document that may be large.
		if err := json.Unmarshal(data, &head); err != nil || head.Format == "" {
			return nil, false, nil
		}
	} else {
		if err := yaml.Unmarshal(data, &head); err != nil || head.Format == "" {
			return nil, false, nil
		}
		if raw, err = yaml.YAMLToJSON(data); err != nil {
			return nil, true, err
		}
	}
	d, err := s.DecodeDocument(raw)
	if err != nil {
		return nil, true, fmt.Errorf("snapshot document: %w", err)
	}
	return &d, true, nil
}
