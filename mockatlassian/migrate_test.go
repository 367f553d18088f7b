package mockatlassian

import (
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The first release wrote data directories and snapshot documents in format
// version 1. internal/store/testdata/release1 holds files written by that
// release's binaries (make.sh there says how) and what its API showed of
// them (views.json). Today's code must open both and show the same.

var updateViews = flag.Bool("update-views", false, "rewrite testdata/release1/*/views.json from what this code shows of the release-1 files")

const release1 = "../internal/store/testdata/release1/mockatlassian"

// view is one GET of views.json: what the API answered.
type view struct {
	Path   string          `json:"path"`
	Auth   string          `json:"auth"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

func readViews(t *testing.T, path string) []view {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []view
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkViews asks srv for every view and compares status and JSON body.
func checkViews(t *testing.T, what string, srv *Server, views []view, update string) {
	t.Helper()
	e := &testEnv{t: t, srv: srv}
	var got []view
	for _, v := range views {
		r := e.call("GET", v.Path, v.Auth, nil)
		got = append(got, view{Path: v.Path, Auth: v.Auth, Status: r.Status, Body: r.Raw})
		var want, have any
		_ = json.Unmarshal(v.Body, &want)
		_ = json.Unmarshal(r.Raw, &have)
		if update == "" && (r.Status != v.Status || !reflect.DeepEqual(want, have)) {
			t.Errorf("%s: GET %s: %d %s\nthe release-1 server showed: %d %s", what, v.Path, r.Status, r.Raw, v.Status, v.Body)
		}
	}
	if update != "" {
		raw, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(update, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyFile copies a fixture into a test's own directory: opening a data
// directory migrates it in place.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRelease1DataDirOpens(t *testing.T) {
	views := readViews(t, filepath.Join(release1, "views.json"))
	dir := t.TempDir()
	copyFile(t, filepath.Join(release1, "data", StoreFile), filepath.Join(dir, StoreFile))
	// As the release-1 server ran: the seed's first organization was the
	// boot organization, remembered by the data directory.
	cfg := Config{DataDir: dir, Boot: &Boot{}, Logger: slog.New(slog.DiscardHandler)}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Booted.Org.ID != "dev-org" || srv.Booted.Directory.ID != "dev-directory" {
		t.Fatalf("booted %+v, want the stored boot organization", srv.Booted)
	}
	update := ""
	if *updateViews {
		update = filepath.Join(release1, "views.json")
	}
	checkViews(t, "release-1 data directory", srv, views, update)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Opened once, the file is in today's format; it opens again the same.
	srv, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	checkViews(t, "release-1 data directory, migrated and reopened", srv, readViews(t, filepath.Join(release1, "views.json")), "")
}

func TestRelease1SnapshotImports(t *testing.T) {
	views := readViews(t, filepath.Join(release1, "views.json"))
	doc, err := os.ReadFile(filepath.Join(release1, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if r := (&testEnv{t: t, srv: srv}).call("PUT", "/_sim/snapshot", "", doc); r.Status != http.StatusOK {
		t.Fatalf("import of a release-1 snapshot: %d %s", r.Status, r.Raw)
	}
	checkViews(t, "release-1 snapshot", srv, views, "")
}
