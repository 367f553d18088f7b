package sim

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestStoreSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "test.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put("orgs", "b", []byte("2")); err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *StoreTx) error {
		if err := tx.Put("orgs", "a", []byte("1")); err != nil {
			return err
		}
		if err := tx.Put("meta", "order", []byte(`["a","b"]`)); err != nil {
			return err
		}
		return tx.Delete("nothing", "here")
	})
	if err != nil {
		t.Fatal(err)
	}
	// A failed transaction leaves nothing behind.
	boom := errors.New("boom")
	if err := st.Update(func(tx *StoreTx) error {
		_ = tx.Put("orgs", "c", []byte("3"))
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var got []string
	err = st.View(func(tx *StoreTx) error {
		return tx.ForEach("orgs", func(k string, v []byte) error {
			got = append(got, k+"="+string(v))
			return nil
		})
	})
	if err != nil || fmt.Sprint(got) != "[a=1 b=2]" {
		t.Fatalf("orgs = %v, %v", got, err)
	}
	if v, _ := st.Get("meta", "order"); string(v) != `["a","b"]` {
		t.Fatalf("meta order = %q", v)
	}
	if v, _ := st.Get("orgs", "c"); v != nil {
		t.Fatalf("rolled-back value stored: %q", v)
	}
	if v, _ := st.Get("absent", "x"); v != nil {
		t.Fatalf("absent bucket gave %q", v)
	}
	if err := st.Update(func(tx *StoreTx) error { return tx.Delete("orgs", "a") }); err != nil {
		t.Fatal(err)
	}
	var keys []string
	_ = st.View(func(tx *StoreTx) error { keys = tx.Keys("orgs"); return nil })
	if fmt.Sprint(keys) != "[b]" {
		t.Fatalf("keys after delete = %v", keys)
	}
}

func TestStoreIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	st, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if other, err := OpenStore(path); err == nil {
		other.Close()
		t.Fatal("a second open of a locked store succeeded")
	}
}

// TestCommitterSavesEveryAcknowledgedChange: whatever a writer changed
// before Commit is in the store when Commit returns, with many writers at
// once, and concurrent commits share transactions.
func TestCommitterSavesEveryAcknowledgedChange(t *testing.T) {
	st, err := OpenStore(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	state := map[string]int{} // tenant → last value a writer set
	var txs atomic.Int64
	c := NewCommitter(st, func(tx *StoreTx, all bool, tenants map[string]bool) error {
		txs.Add(1)
		mu.Lock()
		defer mu.Unlock()
		for tenant := range tenants {
			if err := tx.Put("t", tenant, []byte(strconv.Itoa(state[tenant]))); err != nil {
				return err
			}
		}
		return nil
	})
	const writers, rounds = 8, 25
	var seq int // a global write order: later writes have larger values
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := "t" + strconv.Itoa(w%3)
			for range rounds {
				mu.Lock()
				seq++
				v := seq
				state[tenant] = v
				mu.Unlock()
				if err := c.Commit(false, tenant); err != nil {
					errs <- err
					return
				}
				// The store holds this write or a later one of the same
				// tenant, never an older one.
				raw, _ := st.Get("t", tenant)
				if got, _ := strconv.Atoi(string(raw)); got < v {
					errs <- fmt.Errorf("after committing %s=%d the store holds %d", tenant, v, got)
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
	// Group commit depends on timing (fsync cost); report, do not assert.
	t.Logf("%d transactions for %d commits", txs.Load(), writers*rounds)
}

func TestDurableAnswersAfterCommit(t *testing.T) {
	var committed []string
	var answeredBeforeCommit bool
	rec := httptest.NewRecorder()
	commit := func(all bool, tenant string) error {
		if rec.Body.Len() > 0 || rec.Code != http.StatusOK {
			answeredBeforeCommit = true
		}
		if tenant == "broken" {
			return errors.New("disk full")
		}
		committed = append(committed, fmt.Sprintf("%s/%v", tenant, all))
		return nil
	}
	scope := func(r *http.Request) (string, bool, bool) {
		t := r.URL.Query().Get("t")
		return t, t == "", t == "skip"
	}
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(err.Error()))
	}
	status := http.StatusCreated
	h := Durable(scope, commit, fail)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("body"))
	}))
	serve := func(method, target string) *httptest.ResponseRecorder {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec
	}
	if r := serve("POST", "/x?t=a"); r.Code != 201 || r.Body.String() != "body" || r.Header().Get("X-Handler") != "yes" {
		t.Fatalf("POST: %d %q %v", r.Code, r.Body, r.Header())
	}
	serve("PUT", "/x")
	serve("GET", "/x?t=b")
	serve("DELETE", "/x?t=skip")
	status = http.StatusConflict
	serve("PATCH", "/x?t=c")
	status = http.StatusOK
	if r := serve("POST", "/x?t=broken"); r.Code != 500 || r.Body.String() != "disk full" {
		t.Fatalf("failed commit answered %d %q", r.Code, r.Body)
	}
	if answeredBeforeCommit {
		t.Fatal("the response left before the commit")
	}
	if fmt.Sprint(committed) != "[a/false /true]" {
		t.Fatalf("committed %v, want a POST's tenant and a PUT's all (not GET, skipped or failed requests)", committed)
	}
}
