package mockokta

import (
	"time"
)

// LogEvent is a System Log event (OAPI-LOG-1), with the
// fields clients filter on.
type LogEvent struct {
	UUID            string        `json:"uuid"`
	Published       time.Time     `json:"published"`
	EventType       string        `json:"eventType"`
	Version         string        `json:"version"`
	Severity        string        `json:"severity"`
	LegacyEventType string        `json:"legacyEventType,omitempty"`
	DisplayMessage  string        `json:"displayMessage"`
	Actor           LogActor      `json:"actor"`
	Outcome         LogOutcome    `json:"outcome"`
	Target          []LogTarget   `json:"target"`
	Transaction     LogTransacton `json:"transaction"`
	DebugContext    LogDebug      `json:"debugContext"`
}

// LogActor is who acted: the API token's admin, or the provisioning engine.
type LogActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

// LogOutcome is SUCCESS or FAILURE with a reason.
type LogOutcome struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// LogTarget is an object the event is about.
type LogTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogTransacton identifies the request or job behind an event.
type LogTransacton struct {
	Type string `json:"type"` // WEB for API calls, JOB for provisioning
	ID   string `json:"id"`
}

// LogDebug carries free-form details.
type LogDebug struct {
	DebugData map[string]string `json:"debugData"`
}

// Outcomes.
const (
	Success = "SUCCESS"
	Failure = "FAILURE"
)

var apiActor = LogActor{ID: "00usimadmin0000000001", Type: "User", AlternateID: "admin@provsim.local", DisplayName: "provsim admin"}

var engineActor = LogActor{ID: "0oaprovisioning000001", Type: "PublicClientApp", AlternateID: "Okta Provisioning", DisplayName: "Okta Provisioning"}

// userTarget and the like build targets.
func userTarget(u *User) LogTarget {
	return LogTarget{ID: u.ID, Type: "User", AlternateID: u.Login(), DisplayName: displayName(u)}
}

func groupTarget(g *Group) LogTarget {
	return LogTarget{ID: g.ID, Type: "UserGroup", AlternateID: g.Name, DisplayName: g.Name}
}

func displayName(u *User) string {
	n := u.Attr("firstName")
	if l := u.Attr("lastName"); l != "" {
		if n != "" {
			n += " "
		}
		n += l
	}
	return n
}

// logAPI records an admin action made through the Management API. Caller
// holds o.mu.
func (m *Model) logAPI(o *Org, eventType, message string, targets ...LogTarget) {
	m.appendLog(o, LogEvent{EventType: eventType, DisplayMessage: message, Actor: apiActor,
		Outcome: LogOutcome{Result: Success}, Target: targets, Transaction: LogTransacton{Type: "WEB", ID: m.ids.Token(20)}})
}

// appendLog stamps and stores an event, dropping the oldest past the bound.
// Caller holds o.mu.
func (m *Model) appendLog(o *Org, e LogEvent) {
	e.UUID = m.ids.UUID()
	e.Published = m.now()
	e.Version = "0"
	if e.Severity == "" {
		e.Severity = "INFO"
		if e.Outcome.Result == Failure {
			e.Severity = "WARN"
		}
	}
	if e.Target == nil {
		e.Target = []LogTarget{}
	}
	if e.DebugContext.DebugData == nil {
		e.DebugContext.DebugData = map[string]string{}
	}
	o.logs = append(o.logs, e)
	// Past the bound, drop the oldest tenth at once: copying the log on
	// every event would make each event cost the whole log.
	if len(o.logs) > m.opts.MaxLogEvents {
		keep := m.opts.MaxLogEvents - m.opts.MaxLogEvents/10
		o.logs = append(o.logs[:0:0], o.logs[len(o.logs)-keep:]...)
	}
}
