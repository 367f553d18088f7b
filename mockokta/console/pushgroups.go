package console

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/provsim/provsim/internal/ui"
	"github.com/provsim/provsim/mockokta"
)

// The Push Groups tab (OKTA-PUSH-1): Push Groups > By name and Save; the
// pushed groups with their push status; Push Now (OKTA-PUSH-7); deactivate
// or activate a push (OKTA-PUSH-8); Unlink pushed group, leaving or
// deleting the group in the app (OKTA-PUSH-9); and the admin's way out of
// a push that met an existing group (OKTA-PUSH-14): Refresh App Groups,
// then Link Group, then Push Now or the task's Retry.

func (c *Console) pushGroupRoutes(r *mux.Router) {
	r.HandleFunc("/apps/{appId}/push-groups", c.pushGroups).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/push-groups", c.pushGroup).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/push-groups/by-name", c.pushByName).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/push-groups/refresh", c.refreshAppGroups).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/push-groups/{mappingId}/push-now", c.pushNow).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/push-groups/{mappingId}/status", c.pushStatus).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/push-groups/{mappingId}/link", c.linkGroup).Methods(http.MethodPost)
	r.HandleFunc("/apps/{appId}/push-groups/{mappingId}/unlink", c.unlinkForm).Methods(http.MethodGet)
	r.HandleFunc("/apps/{appId}/push-groups/{mappingId}/unlink", c.unlink).Methods(http.MethodPost)
}

type pushRow struct {
	ID, Source, SourceID, Target, TargetID, Status, Error string
	LastPush                                              string
}

type pushGroupsData struct {
	Rows      []pushRow
	Pager     ui.Pager
	AppGroups []mockokta.AppGroupRef // after Refresh App Groups
	Refreshed bool
	Problem   *ui.Problem
}

func (c *Console) pushGroups(w http.ResponseWriter, r *http.Request) {
	c.renderPushGroups(w, r, http.StatusOK, pushGroupsData{})
}

// renderPushGroups lists one page of the app's push mappings.
func (c *Console) renderPushGroups(w http.ResponseWriter, r *http.Request, status int, d pushGroupsData) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	ids, err := c.m.PushMappingIDs(o, a.ID, "", "")
	if err == nil {
		d.Pager, err = ui.Paging(r, len(ids), 0)
	}
	if err != nil {
		c.fail(w, r, "Push Groups", appPath(a, "/push-groups"), err)
		return
	}
	mappings := c.m.PushMappingsByID(o, a.ID, ui.Slice(d.Pager, ids))
	var sources []string
	for _, pm := range mappings {
		sources = append(sources, pm.SourceGroupID)
	}
	names := map[string]string{}
	for _, g := range c.m.GroupsByID(o, sources) {
		names[g.ID] = g.Name
	}
	for _, pm := range mappings {
		d.Rows = append(d.Rows, pushRow{ID: pm.ID, Source: names[pm.SourceGroupID], SourceID: pm.SourceGroupID,
			Target: pm.TargetGroupName, TargetID: pm.TargetGroupID, Status: pm.Status, Error: pm.ErrorSummary,
			LastPush: ui.FormatTime(pm.LastPush)})
	}
	c.appPage(w, r, status, a, "Push Groups", "app-push.html", d)
}

type byNameData struct {
	Q           string
	Groups      []groupRow
	Target      string
	Immediately bool
	Problem     *ui.Problem
}

// pushByName is Push Groups > By name: find the Okta group by the start
// of its name, then Save.
func (c *Console) pushByName(w http.ResponseWriter, r *http.Request) {
	c.renderByName(w, r, http.StatusOK, byNameData{Q: ui.Search(r), Immediately: true})
}

func (c *Console) renderByName(w http.ResponseWriter, r *http.Request, status int, d byNameData) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	if d.Q != "" {
		ids, err := c.m.ListGroupIDs(o, mockokta.GroupQuery{Q: d.Q})
		if err != nil {
			c.fail(w, r, "Push Groups", appPath(a, "/push-groups"), err)
			return
		}
		if len(ids) > 20 {
			ids = ids[:20]
		}
		for _, g := range c.m.GroupsByID(o, ids) {
			d.Groups = append(d.Groups, groupRow{ID: g.ID, Name: g.Name, Description: g.Description})
		}
	}
	c.appPage(w, r, status, a, "Push Groups", "push-by-name.html", d)
}

// pushGroup is By name's Save: POST …/group-push/mappings. Without a
// target name the group is created (or linked, when Okta knows an app
// group of that name) under the Okta group's own name.
func (c *Console) pushGroup(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	d := byNameData{Q: trim(r.PostFormValue("q")), Target: trim(r.PostFormValue("targetName")), Immediately: r.PostFormValue("immediately") == "true"}
	in := mockokta.PushMappingInput{SourceGroupID: r.PostFormValue("group"), TargetGroupName: d.Target, Status: mockokta.PushInactive}
	if d.Immediately {
		in.Status = mockokta.PushActive
	}
	if in.SourceGroupID == "" {
		d.Problem = &ui.Problem{Title: "Group not pushed", Summary: "Find the group by name and select it."}
		c.renderByName(w, r, http.StatusBadRequest, d)
		return
	}
	pm, err := c.m.CreatePushMapping(o, a.ID, in)
	if err != nil {
		p := problemOf("Group not pushed", err)
		d.Problem = &p
		c.renderByName(w, r, statusOf(err), d)
		return
	}
	msg := "Pushing the group to " + a.Label + "."
	if pm.Status == mockokta.PushInactive {
		msg = "Saved the push; its memberships are not pushed until the push is activated."
	}
	c.ui.Redirect(w, r, appPath(a, "/push-groups"), ui.Success(msg))
}

// mappingAction runs fn on the mapping of the request's path and goes back
// to the list with done as the flash, or shows the error.
func (c *Console) mappingAction(w http.ResponseWriter, r *http.Request, title string, fn func(o *mockokta.Org, a *mockokta.App, id string) (string, error)) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	done, err := fn(o, a, mux.Vars(r)["mappingId"])
	if err != nil {
		c.fail(w, r, title, appPath(a, "/push-groups"), err)
		return
	}
	c.ui.Redirect(w, r, appPath(a, "/push-groups"), ui.Success(done))
}

// pushNow is Push Now: Okta overwrites the app group's members.
func (c *Console) pushNow(w http.ResponseWriter, r *http.Request) {
	c.mappingAction(w, r, "Not pushed", func(o *mockokta.Org, a *mockokta.App, id string) (string, error) {
		return "Pushing the group's members now.", c.m.PushNow(o, a.ID, id)
	})
}

// pushStatus activates or deactivates a push (PATCH …/mappings/{id}).
func (c *Console) pushStatus(w http.ResponseWriter, r *http.Request) {
	c.mappingAction(w, r, "Push not changed", func(o *mockokta.Org, a *mockokta.App, id string) (string, error) {
		status := r.PostFormValue("status")
		if _, err := c.m.UpdatePushMapping(o, a.ID, id, status); err != nil {
			return "", err
		}
		if status == mockokta.PushActive {
			return "Activated the push.", nil
		}
		return "Deactivated the push.", nil
	})
}

// refreshAppGroups is Refresh App Groups: Okta reads the app's groups
// again. The page lists what Okta now knows, for Link Group.
func (c *Console) refreshAppGroups(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	groups, err := c.m.RefreshAppGroups(r.Context(), o, a.ID)
	if err != nil {
		p := problemOf("App groups not refreshed", err)
		c.renderPushGroups(w, r, statusOf(err), pushGroupsData{Problem: &p})
		return
	}
	c.renderPushGroups(w, r, http.StatusOK, pushGroupsData{AppGroups: groups, Refreshed: true})
}

// linkGroup is Link Group on a push in error: point it at an app group
// Okta knows by name (POST /_sim/…/mappings/{id}/link).
func (c *Console) linkGroup(w http.ResponseWriter, r *http.Request) {
	c.mappingAction(w, r, "Group not linked", func(o *mockokta.Org, a *mockokta.App, id string) (string, error) {
		name := trim(r.PostFormValue("targetName"))
		pm, err := c.m.LinkPushMapping(o, a.ID, id, mockokta.LinkInput{TargetGroupName: name})
		if err != nil {
			return "", err
		}
		return "Linked the push to the app group " + pm.TargetGroupName + ". Push Now, or retry its task, to push the members.", nil
	})
}

type unlinkData struct {
	Row     pushRow
	Choice  string
	Choices []ui.Option
}

var unlinkChoices = []ui.Option{
	{Value: "keep", Label: "Leave the group in the target app"},
	{Value: "delete", Label: "Delete the group in the target app"},
}

func (c *Console) unlinkForm(w http.ResponseWriter, r *http.Request) {
	o, a, ok := c.app(w, r)
	if !ok {
		return
	}
	pm, err := c.m.GetPushMapping(o, a.ID, mux.Vars(r)["mappingId"])
	if err != nil {
		c.fail(w, r, "Push not found", appPath(a, "/push-groups"), err)
		return
	}
	row := pushRow{ID: pm.ID, Target: pm.TargetGroupName, Status: pm.Status}
	if g, err := c.m.GetGroup(o, pm.SourceGroupID); err == nil {
		row.Source = g.Name
	}
	c.appPage(w, r, http.StatusOK, a, "Push Groups", "push-unlink.html", unlinkData{Row: row, Choice: "keep", Choices: unlinkChoices})
}

// unlink is Unlink pushed group: the push is deactivated if it is not
// already (Okta only deletes an inactive one), then deleted, leaving or
// deleting the app group (DELETE …/mappings/{id}?deleteTargetGroup=).
func (c *Console) unlink(w http.ResponseWriter, r *http.Request) {
	c.mappingAction(w, r, "Push not unlinked", func(o *mockokta.Org, a *mockokta.App, id string) (string, error) {
		choice := r.PostFormValue("target")
		if choice != "keep" && choice != "delete" {
			return "", ui.Problem{Title: "Push not unlinked", Summary: "Choose whether to leave or delete the group in the target app."}
		}
		pm, err := c.m.GetPushMapping(o, a.ID, id)
		if err != nil {
			return "", err
		}
		if pm.Status != mockokta.PushInactive {
			if _, err := c.m.UpdatePushMapping(o, a.ID, id, mockokta.PushInactive); err != nil {
				return "", err
			}
		}
		if err := c.m.DeletePushMapping(o, a.ID, id, choice == "delete"); err != nil {
			return "", err
		}
		if choice == "delete" {
			return "Unlinked the pushed group " + pm.TargetGroupName + "; it is being deleted in " + a.Label + ".", nil
		}
		return "Unlinked the pushed group " + pm.TargetGroupName + "; it stays in " + a.Label + ".", nil
	})
}
