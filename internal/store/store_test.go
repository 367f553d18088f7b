package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// fakeModel is the smallest model the store can follow: tenants holding
// ordered records of two kinds, "item" and "note", as strings.
type fakeModel struct {
	st      *Store
	mu      sync.Mutex
	tenants map[string]*fakeTenant
}

type fakeTenant struct {
	mu      sync.Mutex
	changes *Changes
	order   map[string][]string          // kind → ids in model order
	values  map[string]map[string]string // kind → id → value
	broken  bool                         // Record gives a value JSON cannot encode
}

var testSchema = Schema{Server: "test", Kinds: []string{"item", "note"}, FromV1: fromV1}

func (t *fakeTenant) Lock()             { t.mu.Lock() }
func (t *fakeTenant) Unlock()           { t.mu.Unlock() }
func (t *fakeTenant) Changes() *Changes { return t.changes }

func (t *fakeTenant) Record(kind, id string) (any, bool) {
	if t.broken {
		return make(chan int), true
	}
	v, ok := t.values[kind][id]
	return map[string]string{"id": id, "v": v}, ok
}

func (t *fakeTenant) Records(emit func(kind, id string, v any) error) error {
	if t.broken {
		return emit("item", "broken", make(chan int))
	}
	for _, kind := range testSchema.Kinds {
		for _, id := range t.order[kind] {
			if err := emit(kind, id, map[string]string{"id": id, "v": t.values[kind][id]}); err != nil {
				return err
			}
		}
	}
	return nil
}

func openModel(t *testing.T, path string) *fakeModel {
	t.Helper()
	st, err := Open(path, testSchema, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeModel{st: st, tenants: map[string]*fakeTenant{}}
	st.Attach(func(id string) (Tenant, bool) {
		m.mu.Lock()
		defer m.mu.Unlock()
		ft, ok := m.tenants[id]
		return ft, ok
	})
	loaded, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range loaded {
		ft := m.newTenant(tr.ID, false)
		for _, kind := range testSchema.Kinds {
			for _, raw := range tr.Records[kind] {
				var r map[string]string
				if err := json.Unmarshal(raw, &r); err != nil {
					t.Fatal(err)
				}
				ft.order[kind] = append(ft.order[kind], r["id"])
				ft.values[kind][r["id"]] = r["v"]
			}
		}
	}
	st.Release()
	return m
}

func (m *fakeModel) newTenant(id string, isNew bool) *fakeTenant {
	ft := &fakeTenant{order: map[string][]string{},
		values: map[string]map[string]string{"item": {}, "note": {}}}
	m.mu.Lock()
	m.tenants[id] = ft
	m.mu.Unlock()
	ft.mu.Lock()
	ft.changes = m.st.Changes(id, isNew)
	ft.mu.Unlock()
	return ft
}

func (m *fakeModel) tenant(id string) *fakeTenant {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tenants[id]
}

// set creates or changes a record, as a model mutation does.
func (m *fakeModel) set(tenant, kind, id, v string) {
	ft := m.tenant(tenant)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if _, ok := ft.values[kind][id]; ok {
		ft.values[kind][id] = v
		ft.changes.Put(kind, id)
		return
	}
	ft.values[kind][id] = v
	ft.order[kind] = append(ft.order[kind], id)
	ft.changes.New(kind, id)
}

func (m *fakeModel) del(tenant, kind, id string) {
	ft := m.tenant(tenant)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	delete(ft.values[kind], id)
	ft.order[kind] = slices.DeleteFunc(ft.order[kind], func(x string) bool { return x == id })
	ft.changes.Put(kind, id)
}

func (m *fakeModel) remove(tenant string) {
	m.mu.Lock()
	ft := m.tenants[tenant]
	delete(m.tenants, tenant)
	m.mu.Unlock()
	ft.mu.Lock()
	ft.changes.All()
	ft.mu.Unlock()
}

// dump is what the model holds, in order: the store must load the same.
func (m *fakeModel) dump() string {
	m.mu.Lock()
	ids := make([]string, 0, len(m.tenants))
	for id := range m.tenants {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		ft := m.tenant(id)
		ft.mu.Lock()
		fmt.Fprintf(&b, "%s:", id)
		for _, kind := range testSchema.Kinds {
			for _, rid := range ft.order[kind] {
				fmt.Fprintf(&b, " %s/%s=%s", kind, rid, ft.values[kind][rid])
			}
		}
		b.WriteString("\n")
		ft.mu.Unlock()
	}
	return b.String()
}

func TestRecordsSurviveReopenInModelOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "test.db")
	m := openModel(t, path)
	m.newTenant("acme", true)
	for _, id := range []string{"c", "a", "b"} {
		m.set("acme", "item", id, "1")
	}
	m.set("acme", "note", "n1", "hello")
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	// A change keeps its place; a deleted and re-created record goes last;
	// a deleted one is gone.
	m.set("acme", "item", "c", "2")
	m.del("acme", "item", "a")
	m.set("acme", "item", "a", "3")
	m.del("acme", "note", "n1")
	m.newTenant("beta", true)
	m.set("beta", "note", "x", "y")
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	want := m.dump()
	if err := m.st.Close(); err != nil {
		t.Fatal(err)
	}

	again := openModel(t, path)
	defer again.st.Close()
	if got := again.dump(); got != want {
		t.Fatalf("after reopen:\n%s\nwant:\n%s", got, want)
	}
	if err := again.st.Check(); err != nil {
		t.Fatal(err)
	}
	// Tenants load in creation order.
	loaded, _ := again.st.Load()
	if len(loaded) != 2 || loaded[0].ID != "acme" || loaded[1].ID != "beta" {
		t.Fatalf("tenant order %v", loaded)
	}
}

// TestWriteStoresOnlyWhatChanged: a commit writes the marked records and
// nothing else, whatever the tenant holds.
func TestWriteStoresOnlyWhatChanged(t *testing.T) {
	m := openModel(t, filepath.Join(t.TempDir(), "test.db"))
	defer m.st.Close()
	m.newTenant("big", true)
	for i := range 2000 {
		m.set("big", "item", strconv.Itoa(i), "v")
	}
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	ft := m.tenant("big")
	ft.mu.Lock()
	ft.values["item"]["7"] = "changed behind the store's back"
	ft.mu.Unlock()
	m.set("big", "item", "42", "w")
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	loaded, _ := m.st.Load()
	var seven, fortyTwo string
	for _, raw := range loaded[0].Records["item"] {
		var r map[string]string
		_ = json.Unmarshal(raw, &r)
		switch r["id"] {
		case "7":
			seven = r["v"]
		case "42":
			fortyTwo = r["v"]
		}
	}
	if fortyTwo != "w" || seven != "v" {
		t.Fatalf("stored 42=%q 7=%q: the commit must write exactly the marked record", fortyTwo, seven)
	}
}

func TestAllRewritesAndRemovedTenantsGo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	m := openModel(t, path)
	m.newTenant("a", true)
	m.newTenant("b", true)
	m.set("a", "item", "1", "x")
	m.set("b", "item", "1", "x")
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	// Reset a behind the store's back, then mark it whole; remove b.
	ft := m.tenant("a")
	ft.mu.Lock()
	ft.order = map[string][]string{"note": {"only"}}
	ft.values = map[string]map[string]string{"item": {}, "note": {"only": "z"}}
	ft.changes.All()
	ft.mu.Unlock()
	m.remove("b")
	if err := m.st.Close(); err != nil {
		t.Fatal(err)
	}
	again := openModel(t, path)
	defer again.st.Close()
	if got := again.dump(); got != "a: note/only=z\n" {
		t.Fatalf("after reopen: %q", got)
	}
}

// TestCommitMakesEveryMarkedChangeDurable: whatever a writer changed
// before Commit is stored when Commit returns, with many writers at once,
// and never an older value after a newer one.
func TestCommitMakesEveryMarkedChangeDurable(t *testing.T) {
	m := openModel(t, filepath.Join(t.TempDir(), "test.db"))
	defer m.st.Close()
	for i := range 3 {
		m.newTenant("t"+strconv.Itoa(i), true)
	}
	const writers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant, id := "t"+strconv.Itoa(w%3), "w"+strconv.Itoa(w)
			for r := range rounds {
				m.set(tenant, "item", id, strconv.Itoa(r))
				if err := m.st.Commit(); err != nil {
					errs <- err
					return
				}
				loaded, err := m.st.Load()
				if err != nil {
					errs <- err
					return
				}
				got := -1
				for _, tr := range loaded {
					if tr.ID != tenant {
						continue
					}
					for _, raw := range tr.Records["item"] {
						var rec map[string]string
						_ = json.Unmarshal(raw, &rec)
						if rec["id"] == id {
							got, _ = strconv.Atoi(rec["v"])
						}
					}
				}
				if got < r {
					errs <- fmt.Errorf("after committing %s=%d the store holds %d", id, r, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestFailedCommitIsRetriedWhole: a commit that fails reports the error to
// its waiters, and the next one rewrites the tenant from the model.
func TestFailedCommitIsRetriedWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	m := openModel(t, path)
	m.newTenant("a", true)
	m.set("a", "item", "1", "x")
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	ft := m.tenant("a")
	ft.mu.Lock()
	ft.broken = true
	ft.mu.Unlock()
	m.set("a", "item", "2", "y")
	if err := m.st.Commit(); err == nil {
		t.Fatal("a commit that could not encode its record succeeded")
	}
	ft.mu.Lock()
	ft.broken = false
	ft.mu.Unlock()
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	want := m.dump()
	_ = m.st.Close()
	again := openModel(t, path)
	defer again.st.Close()
	if got := again.dump(); got != want {
		t.Fatalf("after a failed and a good commit:\n%s\nwant\n%s", got, want)
	}
}

func TestStoreIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	st, err := Open(path, testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abandon()
	if other, err := Open(path, testSchema, nil); err == nil {
		other.Abandon()
		t.Fatal("a second open of a locked store succeeded")
	}
}

func TestOpenRefusesOtherFormats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	st, err := Open(path, testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Abandon()
	if _, err := Open(path, Schema{Server: "other"}, nil); err == nil || !strings.Contains(err.Error(), "not other state") {
		t.Fatalf("opening another server's file: %v", err)
	}
	db, _ := bolt.Open(path, 0o600, nil)
	_ = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaVersion, []byte("3")) })
	_ = db.Close()
	if _, err := Open(path, testSchema, nil); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("opening a newer version: %v", err)
	}
}

// fromV1 is the test schema's version-1 reader: a tenant document
// {"id","items":[…]} and its "notes/<tenant>" side bucket.
func fromV1(raw []byte, side map[string][][]byte) (TenantRecords, error) {
	var doc struct {
		ID    string   `json:"id"`
		Items []string `json:"items"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return TenantRecords{}, err
	}
	out := TenantRecords{ID: doc.ID}
	for i, v := range doc.Items {
		if err := out.Add("item", map[string]string{"id": strconv.Itoa(i), "v": v}); err != nil {
			return out, err
		}
	}
	for i, n := range side["notes"] {
		if err := out.Add("note", map[string]string{"id": "n" + strconv.Itoa(i), "v": string(n)}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// writeV1 makes a file as version 1 wrote it.
func writeV1(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		_ = meta.Put([]byte("format"), []byte("provsim.test.store/1"))
		_ = meta.Put([]byte("order"), []byte(`["z","a"]`))
		_ = meta.Put([]byte("boot"), []byte(`{"orgId":"z"}`))
		orgs, _ := tx.CreateBucket([]byte("orgs"))
		for _, id := range []string{"a", "z"} {
			doc := fmt.Sprintf(`{"format":"provsim.test.snapshot","version":1,"orgs":[{"id":%q,"items":["%s1","%s2"]}]}`, id, id, id)
			_ = orgs.Put([]byte(id), []byte(doc))
		}
		notes, _ := tx.CreateBucket([]byte("notes/z"))
		_ = notes.Put([]byte("0001"), []byte("first"))
		return notes.Put([]byte("0002"), []byte("second"))
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
}

func TestVersion1FileIsMigratedByTheFirstCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	writeV1(t, path)
	const want = "a: item/0=a1 item/1=a2\nz: item/0=z1 item/1=z2 note/n0=first note/n1=second\n"

	// Opened and loaded but killed before any commit: still version 1.
	st, err := Open(path, testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if loaded, err := st.Load(); err != nil || len(loaded) != 2 {
		t.Fatalf("version 1 read as %v, %v", loaded, err)
	}
	st.Abandon()
	db, _ := bolt.Open(path, 0o600, nil)
	_ = db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketMeta).Get(metaFormat); string(f) != "provsim.test.store/1" {
			t.Errorf("format %q after an open without commit", f)
		}
		return nil
	})
	_ = db.Close()

	m := openModel(t, path)
	if got := m.dump(); got != want {
		t.Fatalf("version 1 read as:\n%s\nwant\n%s", got, want)
	}
	if err := m.st.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.st.Meta("boot"); string(b) != `{"orgId":"z"}` {
		t.Fatalf("boot record %q", b)
	}
	_ = m.st.Close()
	db, _ = bolt.Open(path, 0o600, nil)
	_ = db.View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(bucketMeta).Get(metaFormat); string(f) != "provsim.test.store" {
			t.Errorf("format %q after migration", f)
		}
		for _, old := range []string{"orgs", "notes/z"} {
			if tx.Bucket([]byte(old)) != nil {
				t.Errorf("version-1 bucket %s left behind", old)
			}
		}
		return nil
	})
	_ = db.Close()
	again := openModel(t, path)
	defer again.st.Close()
	if got := again.dump(); got != want {
		t.Fatalf("after migration:\n%s\nwant\n%s", got, want)
	}
	loaded, _ := again.st.Load()
	if loaded[0].ID != "z" {
		t.Fatalf("version 1's tenant order was not kept: %s first", loaded[0].ID)
	}
}

func TestDecodeDocument(t *testing.T) {
	v1 := `{"format":"provsim.test.snapshot","version":1,"orgs":[{"id":"a","items":["x"]}]}`
	doc, err := testSchema.DecodeDocument([]byte(v1))
	if err != nil || len(doc.Orgs) != 1 || doc.Version != Version || string(doc.Orgs[0].Records["item"][0]) != `{"id":"0","v":"x"}` {
		t.Fatalf("version 1: %+v, %v", doc, err)
	}
	raw, _ := json.Marshal(doc)
	again, err := testSchema.DecodeDocument(raw)
	if err != nil || string(again.Orgs[0].Records["item"][0]) != `{"id":"0","v":"x"}` {
		t.Fatalf("version 2: %+v, %v", again, err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"format":"provsim.other.snapshot","version":2,"orgs":[]}`, "want \"provsim.test.snapshot\""},
		{`{"format":"provsim.test.snapshot","version":9,"orgs":[]}`, "version 9"},
		{`{"format":"provsim.test.snapshot","version":2,"orgs":[{"id":"a","records":{"widget":[]}}]}`, "unknown record kind"},
		{`{"format":"provsim.test.snapshot","version":2,"orgs":[{"id":"a","extra":1}]}`, "unknown field"},
		{`[]`, "not a snapshot"},
	} {
		if _, err := testSchema.DecodeDocument([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.doc, err, tc.want)
		}
	}
	type rec struct {
		ID string `json:"id"`
	}
	if _, err := Decode[rec](TenantRecords{Records: map[string][]json.RawMessage{"item": {[]byte(`{"id":"1","v":"x"}`)}}}, "item"); err == nil {
		t.Fatal("Decode accepted a field its type does not have")
	}
}

func TestCommitBeforeReleaseAndAfterClose(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "test.db"), testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(); err == nil {
		t.Fatal("Commit before Release succeeded")
	}
	st.Release()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Commit after Close: %v", err)
	}
}

func TestDecodeOne(t *testing.T) {
	type setting struct {
		V int `json:"v"`
	}
	records := func(raws ...string) TenantRecords {
		tr := TenantRecords{Records: map[string][]json.RawMessage{}}
		for _, r := range raws {
			tr.Records["setting"] = append(tr.Records["setting"], json.RawMessage(r))
		}
		return tr
	}
	if _, ok, err := DecodeOne[setting](records(), "setting"); ok || err != nil {
		t.Errorf("no record: ok %v, err %v; want neither", ok, err)
	}
	if s, ok, err := DecodeOne[setting](records(`{"v":7}`), "setting"); !ok || err != nil || s.V != 7 {
		t.Errorf("one record: %+v, ok %v, err %v; want v 7", s, ok, err)
	}
	if _, ok, err := DecodeOne[setting](records(`{"v":1}`, `{"v":2}`), "setting"); ok || err == nil {
		t.Errorf("two records: ok %v, err %v; want an error", ok, err)
	}
	if _, _, err := DecodeOne[setting](records(`{"w":1}`), "setting"); err == nil {
		t.Error("an unknown field decoded; want an error")
	}
}
