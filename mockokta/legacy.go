package mockokta

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/provsim/provsim/internal/store"
)

// Version 1 of the snapshot document (the first release) nested everything
// of an org in one object; the version-1 data file stored one such document
// per org, with the System Log aside, one event per record in bucket
// "logs/<org>". Both are read through fromV1, which turns one org into the
// records of today's format. Version 1 kept no queued jobs.

type v1Org struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Created     time.Time    `json:"created"`
	TokenHashes []string     `json:"tokenHashes"`
	Users       []UserRecord `json:"users"`
	Groups      []v1Group    `json:"groups"`
	Apps        []v1App      `json:"apps"`
	Tasks       []TaskRecord `json:"tasks"`
	Logs        []LogEvent   `json:"logs"`
}

type v1Group struct {
	GroupRecord
	Members []string `json:"members"`
}

type v1App struct {
	AppRecord
	Users        []AppUserRecord     `json:"users"`
	Groups       []AppGroupRecord    `json:"groups"`
	PushMappings []v1Mapping         `json:"pushMappings"`
	RemoteGroups []RemoteGroupRecord `json:"remoteGroups"`
}

type v1Mapping struct {
	MappingRecord
	Pushed map[string]string `json:"pushed"`
}

// fromV1 turns one org of a version-1 document into records; side["logs"]
// holds its System Log when it comes from a version-1 data file.
func fromV1(raw []byte, side map[string][][]byte) (store.TenantRecords, error) {
	var o v1Org
	if err := json.Unmarshal(raw, &o); err != nil {
		return store.TenantRecords{}, err
	}
	for i, ev := range side["logs"] {
		var e LogEvent
		if err := json.Unmarshal(ev, &e); err != nil {
			return store.TenantRecords{}, fmt.Errorf("log event %d: %w", i, err)
		}
		o.Logs = append(o.Logs, e)
	}
	out := store.TenantRecords{ID: o.ID}
	add := func(kind string, v any) {
		// Marshalling plain structs cannot fail.
		_ = out.Add(kind, v)
	}
	add(kindOrg, OrgRecord{ID: o.ID, Name: o.Name, Created: o.Created, TokenHashes: o.TokenHashes})
	for _, u := range o.Users {
		add(kindUser, u)
	}
	for _, g := range o.Groups {
		add(kindGroup, g.GroupRecord)
		for _, uid := range g.Members {
			add(kindMember, MemberRecord{GroupID: g.ID, UserID: uid})
		}
	}
	for _, a := range o.Apps {
		add(kindApp, a.AppRecord)
		for _, rg := range a.RemoteGroups {
			rg.AppID = a.ID
			add(kindRemoteGroup, rg)
		}
		for _, ag := range a.Groups {
			ag.AppID = a.ID
			add(kindAppGroup, ag)
		}
		for _, au := range a.Users {
			au.AppID = a.ID
			add(kindAppUser, au)
		}
		for _, pm := range a.PushMappings {
			pm.AppID = a.ID
			add(kindMapping, pm.MappingRecord)
			for _, uid := range sortedSet(pm.Pushed) {
				add(kindPushed, PushedRecord{AppID: a.ID, MappingID: pm.ID, UserID: uid, ExternalID: pm.Pushed[uid]})
			}
		}
	}
	for _, t := range o.Tasks {
		add(kindTask, t)
	}
	for i, e := range o.Logs {
		add(kindLog, LogRecord{Seq: uint64(i + 1), LogEvent: e})
	}
	return out, nil
}
