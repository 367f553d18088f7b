package mockokta

import (
	"maps"
	"slices"
)

// Durable engine work (--data-dir). A job is recorded in its org when it is
// queued, under the org lock, so it is committed with the change that
// queued it: an acknowledged assignment has its provisioning job on disk.
// The record goes when the engine has run the job; at start the stored jobs
// are queued again, in order. A job whose outcome was written but whose
// removal was not (a kill in between) runs twice, which is harmless since
// jobs act on the org's present state. Without --data-dir nothing is
// recorded.

// jobQueued records a job about to be queued. Caller holds o.mu.
func (m *Model) jobQueued(o *Org, j *job) {
	if o.changes == nil {
		return
	}
	j.seq = m.jobSeq.Add(1)
	kept := *j
	kept.done = nil
	o.jobs[j.seq] = &kept
	o.changes.New(kindJob, seqKey(j.seq))
}

// jobSeqs lists the records of queued jobs (0: not recorded).
func jobSeqs(q []job) []uint64 {
	var out []uint64
	for _, j := range q {
		if j.seq != 0 {
			out = append(out, j.seq)
		}
	}
	return out
}

// jobsDone forgets queued jobs the engine has run (or dropped).
func (m *Model) jobsDone(orgID string, seqs []uint64) {
	if len(seqs) == 0 {
		return
	}
	o, err := m.Org(orgID)
	if err != nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.forgetJobs(seqs)
}

// forgetJobs drops job records. Caller holds o.mu.
func (o *Org) forgetJobs(seqs []uint64) {
	for _, seq := range seqs {
		if _, ok := o.jobs[seq]; ok {
			delete(o.jobs, seq)
			o.changes.Put(kindJob, seqKey(seq))
		}
	}
}

// forgetAppJobs drops the records of an app's queued jobs, which the engine
// discards with the app. Caller holds o.mu.
func (o *Org) forgetAppJobs(appID string) {
	var seqs []uint64
	for seq, j := range o.jobs {
		if j.appID == appID {
			seqs = append(seqs, seq)
		}
	}
	o.forgetJobs(seqs)
}

// jobOrder lists the recorded jobs in the order they were queued. Caller
// holds o.mu.
func (o *Org) jobOrder() []uint64 {
	return slices.Sorted(maps.Keys(o.jobs))
}

// resumeJobs queues an org's recorded jobs again: at start, and after an
// import. An import nobody waits for any more reports to no one.
func (m *Model) resumeJobs(o *Org) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, seq := range o.jobOrder() {
		j := *o.jobs[seq]
		if j.kind == jobImport {
			j.done = make(chan ImportSummary, 1)
		}
		m.engine.enqueue(j)
	}
}

// engineNote is what an engine outcome may change that its job does not
// name: the pushed members of its mapping, the app's cached target groups
// and the tasks it opens.
type engineNote struct {
	tasks  int
	pushed map[string]string
	remote map[string]remoteGroup
}

// engineBefore notes that state before an outcome is written. Caller holds
// o.mu.
func (m *Model) engineBefore(o *Org, a *App, j job) engineNote {
	if o.changes == nil {
		return engineNote{}
	}
	n := engineNote{tasks: len(o.taskOrder)}
	if pm, ok := a.mappings[j.mappingID]; ok {
		n.pushed = maps.Clone(pm.pushed)
	}
	switch j.kind {
	case jobProvision, jobUpdate, jobDeactivate, jobPushPassword:
		// User jobs leave the group cache alone.
	default:
		n.remote = maps.Clone(a.remoteGroups)
	}
	return n
}

// engineAfter marks what an engine outcome changed: the app, the job's app
// user, mapping and task, the pushed members and cached groups that differ
// from the note, and new tasks. Events and queued jobs mark themselves.
// Caller holds o.mu.
func (m *Model) engineAfter(o *Org, a *App, j job, n engineNote) {
	c := o.changes
	if c == nil {
		return
	}
	c.Put(kindApp, a.ID)
	if j.userID != "" {
		c.Put(kindAppUser, pairKey(a.ID, j.userID))
	}
	if j.taskID != "" {
		c.Put(kindTask, j.taskID)
	}
	if len(o.taskOrder) > n.tasks {
		for _, id := range o.taskOrder[n.tasks:] {
			c.New(kindTask, id)
		}
	}
	if j.mappingID != "" {
		c.Put(kindMapping, pairKey(a.ID, j.mappingID))
		var now map[string]string
		if pm, ok := a.mappings[j.mappingID]; ok {
			now = pm.pushed
		}
		for uid, ext := range now {
			if old, ok := n.pushed[uid]; !ok || old != ext {
				c.Put(kindPushed, tripleKey(a.ID, j.mappingID, uid))
			}
		}
		for uid := range n.pushed {
			if _, ok := now[uid]; !ok {
				c.Put(kindPushed, tripleKey(a.ID, j.mappingID, uid))
			}
		}
	}
	if n.remote != nil {
		for name, rg := range a.remoteGroups {
			if old, ok := n.remote[name]; !ok || old != rg {
				c.Put(kindRemoteGroup, pairKey(a.ID, name))
			}
		}
		for name := range n.remote {
			if _, ok := a.remoteGroups[name]; !ok {
				c.Put(kindRemoteGroup, pairKey(a.ID, name))
			}
		}
	}
}

// changedAppWhole marks an app and everything in it: for an app that goes.
// Caller holds o.mu.
func (o *Org) changedAppWhole(a *App) {
	o.changes.Put(kindApp, a.ID)
	for name := range a.remoteGroups {
		o.changes.Put(kindRemoteGroup, pairKey(a.ID, name))
	}
	for gid := range a.groups {
		o.changes.Put(kindAppGroup, pairKey(a.ID, gid))
	}
	for uid := range a.users {
		o.changes.Put(kindAppUser, pairKey(a.ID, uid))
	}
	for _, pm := range a.mappings {
		o.changedMappingWhole(a, pm)
	}
}

// changedMappingWhole marks a push mapping and what it pushed: for a
// mapping that goes. Caller holds o.mu.
func (o *Org) changedMappingWhole(a *App, pm *PushMapping) {
	o.changes.Put(kindMapping, pairKey(a.ID, pm.ID))
	for uid := range pm.pushed {
		o.changes.Put(kindPushed, tripleKey(a.ID, pm.ID, uid))
	}
}
