package mockokta

import (
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provsim/provsim/internal/clock"
)

// The first release wrote data directories and snapshot documents in format
// version 1. internal/store/testdata/release1 holds files written by that
// release's binaries (make.sh there says how) and what its API showed of
// them (views.json). Today's code must open both and show the same.

var updateViews = flag.Bool("update-views", false, "rewrite testdata/release1/*/views.json from what this code shows of the release-1 files")

const release1 = "../internal/store/testdata/release1/mockokta"

// release1Host is where the release-1 server listened: its answers' links
// name it.
const release1Host = "127.0.0.1:18180"

// release1Clock stands just after the fixtures were written, so that the
// System Log's default window (the last 7 days) holds their events.
func release1Clock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
}

type view struct {
	Path   string          `json:"path"`
	Auth   string          `json:"auth"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

func readViews(t *testing.T) []view {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(release1, "views.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []view
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// call sends a request to srv as the release-1 server received it.
func call(srv *Server, method, path, auth string, body []byte) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req := httptest.NewRequest(method, "http://"+release1Host+path, rd)
	req.Header.Set("Accept", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// checkViews asks srv for every view and compares status and JSON body;
// with update, it writes what srv shows instead.
func checkViews(t *testing.T, what string, srv *Server, views []view, update bool) {
	t.Helper()
	var got []view
	for _, v := range views {
		rec := call(srv, "GET", v.Path, v.Auth, nil)
		got = append(got, view{Path: v.Path, Auth: v.Auth, Status: rec.Code, Body: rec.Body.Bytes()})
		var want, have any
		_ = json.Unmarshal(v.Body, &want)
		_ = json.Unmarshal(rec.Body.Bytes(), &have)
		if !update && (rec.Code != v.Status || !reflect.DeepEqual(want, have)) {
			t.Errorf("%s: GET %s: %d %s\nthe release-1 server showed: %d %s", what, v.Path, rec.Code, rec.Body, v.Status, v.Body)
		}
	}
	if update {
		raw, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(filepath.Join(release1, "views.json"), append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRelease1DataDirOpens(t *testing.T) {
	views := readViews(t)
	dir := t.TempDir()
	copyFile(t, filepath.Join(release1, "data", StoreFile), filepath.Join(dir, StoreFile))
	logger := slog.New(slog.DiscardHandler)
	cfg := Config{Options: Options{Logger: logger, Clock: release1Clock()}, Logger: logger, DataDir: dir, Boot: &Boot{}}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Booted.Org.ID != "dev-okta" {
		t.Fatalf("booted %+v, want the stored boot org", srv.Booted)
	}
	checkViews(t, "release-1 data directory", srv, views, *updateViews)
	srv.Close()
	// Opened once, the file is in today's format; it opens again the same.
	srv, err = NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	checkViews(t, "release-1 data directory, migrated and reopened", srv, readViews(t), false)
}

func TestRelease1SnapshotImports(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(release1, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	srv, err := NewServer(Config{Options: Options{Logger: logger, Clock: release1Clock()}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if rec := call(srv, "PUT", "/_sim/snapshot", "", doc); rec.Code != http.StatusOK {
		t.Fatalf("import of a release-1 snapshot: %d %s", rec.Code, rec.Body)
	}
	checkViews(t, "release-1 snapshot", srv, readViews(t), false)
}
