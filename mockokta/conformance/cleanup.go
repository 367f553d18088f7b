package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// created is a resource the run made on the server.
type created struct {
	kind string // Users or Groups
	id   string
	name string // userName or displayName
}

// createdResources finds, in everything the run sent (its own requests and
// the engine's), the users and groups the server answered a create for,
// less those a later DELETE removed.
func (r *run) createdResources() []created {
	base := r.opts.Target.BaseURL
	var out []created
	gone := map[string]bool{}
	for _, e := range r.rec.all() {
		path, _, _ := strings.Cut(strings.TrimPrefix(e.URL, base), "?")
		switch {
		case e.Method == http.MethodPost && (path == "/Users" || path == "/Groups") && e.Status >= 200 && e.Status < 300:
			var body struct{ ID, UserName, DisplayName string }
			if json.Unmarshal([]byte(e.ResponseBody), &body) == nil && body.ID != "" {
				name := body.UserName
				if path == "/Groups" {
					name = body.DisplayName
				}
				out = append(out, created{kind: path[1:], id: body.ID, name: name})
			}
		case e.Method == http.MethodDelete && (e.Status == http.StatusNoContent || e.Status == http.StatusOK || e.Status == http.StatusNotFound):
			gone[path] = true
		}
	}
	var left []created
	for _, c := range out {
		if !gone["/"+c.kind+"/"+c.id] {
			left = append(left, c)
		}
	}
	return left
}

// cleanup deletes what the run created, groups first, unless Keep. SCIM
// DELETE is used although Okta never deletes users (OKTA-DEACT-3): this is
// the run tidying up, not a check.
func (r *run) cleanup() {
	res := r.createdResources()
	if len(res) == 0 {
		return
	}
	if r.opts.Keep {
		for _, c := range res {
			r.report.Cleanup = append(r.report.Cleanup, fmt.Sprintf("kept %s %s (%s)", singular(c.kind), c.id, c.name))
		}
		return
	}
	// Tidy up even when the run was interrupted.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 2*time.Minute)
	defer cancel()
	c := r.client(partCleanup)
	c.ctx = ctx
	removed := map[string]int{}
	for _, kind := range []string{"Groups", "Users"} {
		for _, x := range res {
			if x.kind != kind {
				continue
			}
			resp := c.send(http.MethodDelete, "/"+x.kind+"/"+x.id, nil, nil)
			if resp.Status >= 200 && resp.Status < 300 || resp.Status == http.StatusNotFound {
				removed[kind]++
				continue
			}
			r.report.Cleanup = append(r.report.Cleanup, fmt.Sprintf("could not remove %s %s (%s): %s", singular(x.kind), x.id, x.name, statusText(resp)))
		}
	}
	if removed["Users"]+removed["Groups"] > 0 {
		r.report.Cleanup = append([]string{fmt.Sprintf("removed the %d users and %d groups the run created", removed["Users"], removed["Groups"])}, r.report.Cleanup...)
	}
}

func singular(kind string) string { return strings.ToLower(strings.TrimSuffix(kind, "s")) }
