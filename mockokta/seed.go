package mockokta

import (
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/provsim/provsim/internal/secret"
	"github.com/provsim/provsim/internal/store"
)

// Seed is a declarative start state (--seed-file, YAML; docs/state.md, "Seeds,
// snapshots, persistence"): orgs with their API tokens (plain here,
// hashed on load), users, groups and members, and apps with their
// connection, To App settings, assignments and push mappings. It has
// mockatlassian's seed shape where the concepts meet: orgs with an id, a
// name and keys; people; groups with members named by login or email;
// what the groups are given (here: apps and pushes).
//
// A seed is applied the way the same API calls would be: assigning users
// and groups to a connected app with Create Users on queues their
// provisioning at once, and an active push mapping pushes its group, so a
// seeded mockokta populates the Atlassian directory it points at.
//
// A seed file may also be a snapshot document (GET /_sim/snapshot, in JSON
// or YAML): an export is a seed, and its orgs are imported whole, their
// queued engine jobs included.
type Seed struct {
	Orgs []SeedOrg `yaml:"orgs" json:"orgs"`
	// Snapshot is set when the seed file is a snapshot document.
	Snapshot *store.Document `yaml:"-" json:"-"`
}

// SeedOrg is one org.
type SeedOrg struct {
	ID     string      `yaml:"id" json:"id"`
	Name   string      `yaml:"name" json:"name,omitempty"`
	Tokens []string    `yaml:"tokens" json:"tokens,omitempty"` // API tokens (SSWS); random when none
	Users  []SeedUser  `yaml:"users" json:"users,omitempty"`
	Groups []SeedGroup `yaml:"groups" json:"groups,omitempty"`
	Apps   []SeedApp   `yaml:"apps" json:"apps,omitempty"`
	// ServiceApps are OAuth 2.0 service apps for automation (docs/oauth.md).
	ServiceApps []SeedServiceApp `yaml:"serviceApps" json:"serviceApps,omitempty"`
	// Pace is the org's own pace (ParsePace; OKTA-PACE-3); empty: the
	// server's --pace. Stored with --data-dir like every org pace (simsettings.go).
	Pace string `yaml:"pace" json:"pace,omitempty"`
}

// SeedServiceApp is an OAuth 2.0 service app: a fixed client id (so a
// Terraform or SDK configuration can name it), its public key as a PEM
// block (PUBLIC KEY or CERTIFICATE) or a JWKS, and the scopes granted.
type SeedServiceApp struct {
	ClientID  string         `yaml:"clientId" json:"clientId,omitempty"`
	Label     string         `yaml:"label" json:"label"`
	PublicKey string         `yaml:"publicKey" json:"publicKey,omitempty"` // PEM
	KeyID     string         `yaml:"keyId" json:"keyId,omitempty"`         // kid of publicKey
	JWKS      map[string]any `yaml:"jwks" json:"jwks,omitempty"`
	Scopes    []string       `yaml:"scopes" json:"scopes,omitempty"`
}

// SeedUser is an Okta user. Login defaults to Email and Email to Login.
// Status is ACTIVE (default), STAGED, PROVISIONED, SUSPENDED or
// DEPROVISIONED; an ACTIVE user without a password is created as one whose
// credentials live with an external provider.
type SeedUser struct {
	Login     string         `yaml:"login" json:"login,omitempty"`
	Email     string         `yaml:"email" json:"email,omitempty"`
	FirstName string         `yaml:"firstName" json:"firstName"`
	LastName  string         `yaml:"lastName" json:"lastName"`
	Password  string         `yaml:"password" json:"password,omitempty"`
	Status    string         `yaml:"status" json:"status,omitempty"`
	Profile   map[string]any `yaml:"profile" json:"profile,omitempty"` // more attributes: title, department, …
}

// SeedGroup is an Okta group; members by login.
type SeedGroup struct {
	Name        string   `yaml:"name" json:"name"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Members     []string `yaml:"members" json:"members,omitempty"`
}

// SeedApp is an app integration: "atlassian" or "scim2testapp" for the OIN
// templates, any other name for a wizard-built custom SCIM app.
type SeedApp struct {
	Name                  string          `yaml:"name" json:"name"`
	Label                 string          `yaml:"label" json:"label,omitempty"`
	Inactive              bool            `yaml:"inactive" json:"inactive,omitempty"`
	Connection            *SeedConnection `yaml:"connection" json:"connection,omitempty"`
	ToApp                 *ToApp          `yaml:"toApp" json:"toApp,omitempty"`
	UserNameTemplate      string          `yaml:"userNameTemplate" json:"userNameTemplate,omitempty"` // e.g. ${source.email}
	PrimaryEmailAttribute string          `yaml:"primaryEmailAttribute" json:"primaryEmailAttribute,omitempty"`
	RenameGroups          bool            `yaml:"renameGroups" json:"renameGroups,omitempty"`
	ImportGroups          *bool           `yaml:"importGroups" json:"importGroups,omitempty"` // default true (OKTA-PUSH-12)
	Assign                SeedAssignments `yaml:"assign" json:"assign,omitempty"`
	Push                  []SeedPush      `yaml:"push" json:"push,omitempty"`
}

// SeedConnection is the API integration, enabled unless Disabled.
type SeedConnection struct {
	BaseURL  string   `yaml:"baseUrl" json:"baseUrl"`
	AuthMode AuthMode `yaml:"authMode" json:"authMode,omitempty"` // bearer (default), header or basic
	Token    string   `yaml:"token" json:"token,omitempty"`
	Username string   `yaml:"username" json:"username,omitempty"`
	Password string   `yaml:"password" json:"password,omitempty"`
	Disabled bool     `yaml:"disabled" json:"disabled,omitempty"`
}

// SeedAssignments are the users (by login) and groups (by name) assigned.
type SeedAssignments struct {
	Users  []string `yaml:"users" json:"users,omitempty"`
	Groups []string `yaml:"groups" json:"groups,omitempty"`
}

// SeedPush is a Group Push mapping of a group (by name).
type SeedPush struct {
	Group           string `yaml:"group" json:"group"`
	TargetGroupName string `yaml:"targetGroupName" json:"targetGroupName,omitempty"` // default: the group's name
	Inactive        bool   `yaml:"inactive" json:"inactive,omitempty"`
}

// ParseSeed reads a seed document; unknown fields are errors.
func ParseSeed(data []byte) (Seed, error) {
	if doc, ok, err := Schema.SeedDocument(data); ok || err != nil {
		return Seed{Snapshot: doc}, err
	}
	var s Seed
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return Seed{}, err
	}
	for i, o := range s.Orgs {
		if o.ID == "" {
			return Seed{}, fmt.Errorf("orgs[%d]: id is required", i)
		}
		if _, err := ParsePace(o.Pace); err != nil {
			return Seed{}, fmt.Errorf("orgs[%d] (%s): %w", i, o.ID, err)
		}
	}
	return s, nil
}

// LoadSeedFile reads and parses a seed file.
func LoadSeedFile(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, err
	}
	s, err := ParseSeed(data)
	if err != nil {
		return Seed{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ApplySeed creates what a seed describes through the model's own
// operations, so the same rules apply as to API calls. It stops at the
// first error, naming where in the seed it is.
func (m *Model) ApplySeed(s Seed) error {
	if s.Snapshot != nil {
		return m.Restore(*s.Snapshot, RestoreOptions{})
	}
	for i, so := range s.Orgs {
		if err := m.applySeedOrg(so); err != nil {
			return fmt.Errorf("orgs[%d] (%s): %w", i, so.ID, err)
		}
	}
	return nil
}

func (m *Model) applySeedOrg(so SeedOrg) error {
	first := ""
	if len(so.Tokens) > 0 {
		first = so.Tokens[0]
	}
	created, err := m.CreateOrg(CreateOrgInput{ID: so.ID, Name: so.Name, Token: first})
	if err != nil {
		return err
	}
	o, err := m.Org(created.ID)
	if err != nil {
		return err
	}
	// First, so that what the seed queues follows the org's pace.
	if so.Pace != "" {
		p, err := ParsePace(so.Pace)
		if err != nil {
			return err
		}
		o.pace.Store(&p)
	}
	for j, t := range so.Tokens[min(1, len(so.Tokens)):] {
		if err := m.addToken(o, t); err != nil {
			return fmt.Errorf("tokens[%d]: %w", j+1, err)
		}
	}
	users := map[string]string{} // lower-case login → id
	for j, su := range so.Users {
		u, err := m.seedUser(o, su)
		if err != nil {
			return fmt.Errorf("users[%d]: %w", j, err)
		}
		users[lower(u.Login())] = u.ID
	}
	userID := func(login string) (string, error) {
		if id, ok := users[lower(login)]; ok {
			return id, nil
		}
		return "", fmt.Errorf("%s is not a user of the seed", login)
	}
	groups := map[string]string{} // lower-case name → id
	for j, sg := range so.Groups {
		name, desc := sg.Name, sg.Description
		g, err := m.CreateGroup(o, GroupProfileInput{Name: &name, Description: &desc})
		if err != nil {
			return fmt.Errorf("groups[%d]: %w", j, err)
		}
		groups[lower(g.Name)] = g.ID
		for _, login := range sg.Members {
			uid, err := userID(login)
			if err == nil {
				err = m.AddGroupMember(o, g.ID, uid)
			}
			if err != nil {
				return fmt.Errorf("groups[%d] (%s): member %s: %w", j, g.Name, login, err)
			}
		}
	}
	groupID := func(name string) (string, error) {
		if id, ok := groups[lower(name)]; ok {
			return id, nil
		}
		return "", fmt.Errorf("%s is not a group of the seed", name)
	}
	for j, sa := range so.Apps {
		if err := m.seedApp(o, sa, userID, groupID); err != nil {
			return fmt.Errorf("apps[%d] (%s): %w", j, sa.Name, err)
		}
	}
	for j, ss := range so.ServiceApps {
		if err := m.seedServiceApp(o, ss); err != nil {
			return fmt.Errorf("serviceApps[%d] (%s): %w", j, ss.Label, err)
		}
	}
	return nil
}

// addToken gives an org one more API token.
func (m *Model) addToken(o *Org, token string) error {
	if token == "" || strings.ContainsAny(token, " \t\r\n") {
		return errValidation("token: must be non-empty without white space")
	}
	h := secret.HashOf(token)
	m.mu.Lock()
	if _, dup := m.tokens[h]; dup {
		m.mu.Unlock()
		return errValidation("token: That token is already in use")
	}
	m.tokens[h] = o.ID
	// o.tokens is read under m.mu (OrgByToken, tokensOf).
	o.tokens = append(o.tokens, h)
	m.mu.Unlock()
	// The org lock is taken after m.mu: the model's lock order is org
	// lock first.
	o.mu.Lock()
	o.changes.Put(kindOrg, o.ID)
	o.mu.Unlock()
	return nil
}

func (m *Model) seedUser(o *Org, su SeedUser) (*User, error) {
	if su.Login == "" {
		su.Login = su.Email
	}
	if su.Email == "" {
		su.Email = su.Login
	}
	profile := map[string]any{}
	for k, v := range su.Profile {
		profile[k] = v
	}
	profile["login"], profile["email"], profile["firstName"], profile["lastName"] = su.Login, su.Email, su.FirstName, su.LastName
	in := CreateUserInput{Profile: profile}
	if su.Password != "" {
		pw := su.Password
		in.Credentials = &UserCredentialsInput{Password: &PasswordInput{Value: &pw}}
	}
	status := su.Status
	if status == "" {
		status = StatusActive
	}
	switch status {
	case StatusStaged:
	case StatusProvisioned:
		if su.Password != "" {
			return nil, errValidation("status: a PROVISIONED user has no password")
		}
		in.Activate = true
	case StatusActive, StatusSuspended, StatusDeprovisioned:
		in.Activate = true
		in.Provider = su.Password == ""
	default:
		return nil, errValidation("status: " + status + " is not one of STAGED, PROVISIONED, ACTIVE, SUSPENDED, DEPROVISIONED")
	}
	u, err := m.CreateUser(o, in)
	if err != nil {
		return nil, err
	}
	switch status {
	case StatusSuspended:
		err = m.SuspendUser(o, u.ID)
	case StatusDeprovisioned:
		err = m.DeactivateUser(o, u.ID)
	}
	return u, err
}

func (m *Model) seedApp(o *Org, sa SeedApp, userID, groupID func(string) (string, error)) error {
	a, err := m.CreateApp(o, CreateAppInput{Name: sa.Name, Label: sa.Label, Activate: !sa.Inactive})
	if err != nil {
		return err
	}
	upd := UpdateAppInput{}
	if sa.UserNameTemplate != "" {
		upd.UserName = &UserNameTemplate{Template: sa.UserNameTemplate}
	}
	if sa.PrimaryEmailAttribute != "" {
		upd.PrimaryEmailAttr = &sa.PrimaryEmailAttribute
	}
	if sa.RenameGroups {
		upd.RenameGroups = &sa.RenameGroups
	}
	upd.ImportGroups = sa.ImportGroups
	if _, err := m.UpdateApp(o, a.ID, upd); err != nil {
		return err
	}
	if c := sa.Connection; c != nil {
		mode := c.AuthMode
		if mode == "" {
			mode = AuthBearer
		}
		enabled := !c.Disabled
		in := ConnectionInput{BaseURL: &c.BaseURL, Auth: &mode, Token: &c.Token, Username: &c.Username, Password: &c.Password}
		if _, err := m.SetConnection(o, a.ID, in, &enabled); err != nil {
			return fmt.Errorf("connection: %w", err)
		}
	}
	if sa.ToApp != nil {
		// Saving To App makes Okta read the target's users and groups
		// (queued like any engine work).
		if _, err := m.SetToApp(o, a.ID, *sa.ToApp); err != nil {
			return fmt.Errorf("toApp: %w", err)
		}
	}
	for _, login := range sa.Assign.Users {
		uid, err := userID(login)
		if err == nil {
			_, _, err = m.AssignUser(o, a.ID, AssignUserInput{ID: uid})
		}
		if err != nil {
			return fmt.Errorf("assign user %s: %w", login, err)
		}
	}
	for _, name := range sa.Assign.Groups {
		gid, err := groupID(name)
		if err == nil {
			_, err = m.AssignGroup(o, a.ID, gid, nil, nil)
		}
		if err != nil {
			return fmt.Errorf("assign group %s: %w", name, err)
		}
	}
	for _, p := range sa.Push {
		gid, err := groupID(p.Group)
		if err != nil {
			return fmt.Errorf("push: %w", err)
		}
		status := PushActive
		if p.Inactive {
			status = PushInactive
		}
		if _, err := m.CreatePushMapping(o, a.ID, PushMappingInput{SourceGroupID: gid, TargetGroupName: p.TargetGroupName, Status: status}); err != nil {
			return fmt.Errorf("push %s: %w", p.Group, err)
		}
	}
	return nil
}

// seedFromFlags loads --seed-file into cfg. When no boot flag was given
// (bootGiven false), the boot org is the seed's first org (found, not
// created, at start), so a seeded server does not also make a random one.
func seedFromFlags(bootGiven bool, path string, cfg *Config, boot *Boot) error {
	if path == "" {
		return nil
	}
	s, err := LoadSeedFile(path)
	if err != nil {
		return fmt.Errorf("--seed-file: %w", err)
	}
	cfg.Seed = &s
	if bootGiven {
		return nil
	}
	if s.Snapshot != nil {
		// The first org is the boot org; its tokens are only hashes there.
		if len(s.Snapshot.Orgs) > 0 {
			*boot = Boot{OrgID: s.Snapshot.Orgs[0].ID}
		}
		return nil
	}
	if len(s.Orgs) == 0 {
		return nil
	}
	first := s.Orgs[0]
	*boot = Boot{OrgID: first.ID, OrgName: first.Name}
	if len(first.Tokens) > 0 {
		boot.APIToken = first.Tokens[0]
	}
	return nil
}
