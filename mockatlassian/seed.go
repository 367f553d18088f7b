package mockatlassian

import (
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/provsim/provsim/internal/store"
)

// Seed is a declarative start state (--seed-file, YAML; docs/state.md, "Seeds,
// snapshots, persistence"): organizations with their API keys (plain
// here, hashed on load), domains, SCIM directories and keys, sites and
// products, Atlassian accounts that exist before provisioning, and local
// groups with members and product access. mockokta's seed has the same
// shape where the concepts meet: orgs with an id, a name and keys; people;
// groups with members by email; what the groups are given.
//
// A seed file may also be a snapshot document (GET /_sim/snapshot, in JSON
// or YAML): an export is a seed, and its organizations are imported whole.
type Seed struct {
	Orgs []SeedOrg `yaml:"orgs" json:"orgs"`
	// Snapshot is set when the seed file is a snapshot document.
	Snapshot *store.Document `yaml:"-" json:"-"`
}

// SeedOrg is one organization.
type SeedOrg struct {
	ID                string          `yaml:"id" json:"id"`
	Name              string          `yaml:"name" json:"name,omitempty"`
	APIKey            string          `yaml:"apiKey" json:"apiKey,omitempty"`
	VerifiedDomains   []string        `yaml:"verifiedDomains" json:"verifiedDomains,omitempty"`
	UnverifiedDomains []string        `yaml:"unverifiedDomains" json:"unverifiedDomains,omitempty"`
	Directories       []SeedDirectory `yaml:"directories" json:"directories,omitempty"`
	Sites             []AddSiteInput  `yaml:"sites" json:"sites,omitempty"`
	Accounts          []SeedAccount   `yaml:"accounts" json:"accounts,omitempty"`
	Groups            []SeedGroup     `yaml:"groups" json:"groups,omitempty"`
	// APIKeys are further organization API keys (apikeys.go), plain here.
	APIKeys []CreateAPIKeyInput `yaml:"apiKeys" json:"apiKeys,omitempty"`
}

// SeedDirectory is a SCIM directory and its API key.
type SeedDirectory struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name,omitempty"`
	APIKey string `yaml:"apiKey" json:"apiKey"`
}

// SeedAccount is an Atlassian account that exists before provisioning.
type SeedAccount struct {
	Email       string `yaml:"email" json:"email"`
	DisplayName string `yaml:"displayName" json:"displayName,omitempty"`
}

// SeedGroup is a local group: members by account email, and product access
// as "site/product" (e.g. acme.atlassian.net/jira-software).
type SeedGroup struct {
	Name    string   `yaml:"name" json:"name"`
	Default bool     `yaml:"default" json:"default,omitempty"`
	Members []string `yaml:"members" json:"members,omitempty"`
	Access  []string `yaml:"access" json:"access,omitempty"`
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
		for j, d := range o.Directories {
			if d.ID == "" || d.APIKey == "" {
				return Seed{}, fmt.Errorf("orgs[%d] (%s).directories[%d]: id and apiKey are required", i, o.ID, j)
			}
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
// first error, naming where in the seed it is. A snapshot document is
// imported, adding its organizations.
func (m *Model) ApplySeed(s Seed) error {
	if s.Snapshot != nil {
		return m.Restore(*s.Snapshot, RestoreOptions{})
	}
	for i, so := range s.Orgs {
		at := fmt.Sprintf("orgs[%d] (%s)", i, so.ID)
		if err := m.applySeedOrg(so); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	return nil
}

func (m *Model) applySeedOrg(so SeedOrg) error {
	org, err := m.CreateOrg(CreateOrgInput{ID: so.ID, Name: so.Name, APIKey: so.APIKey, VerifiedDomains: so.VerifiedDomains})
	if err != nil {
		return err
	}
	for _, d := range so.UnverifiedDomains {
		if err := m.AddDomain(org.ID, d, false); err != nil {
			return err
		}
	}
	for j, k := range so.APIKeys {
		if _, err := m.CreateAPIKey(org.ID, k); err != nil {
			return fmt.Errorf("apiKeys[%d]: %w", j, err)
		}
	}
	for j, d := range so.Directories {
		if _, err := m.CreateDirectory(org.ID, CreateDirectoryInput{ID: d.ID, Name: d.Name, APIKey: d.APIKey}); err != nil {
			return fmt.Errorf("directories[%d]: %w", j, err)
		}
	}
	for j, site := range so.Sites {
		if _, err := m.AddSite(org.ID, site); err != nil {
			return fmt.Errorf("sites[%d]: %w", j, err)
		}
	}
	for j, a := range so.Accounts {
		if _, err := m.CreateAccount(org.ID, CreateAccountInput{Email: a.Email, DisplayName: a.DisplayName}); err != nil {
			return fmt.Errorf("accounts[%d]: %w", j, err)
		}
	}
	for j, g := range so.Groups {
		if _, err := m.CreateLocalGroup(org.ID, g.Name, g.Default, g.Members); err != nil {
			return fmt.Errorf("groups[%d]: %w", j, err)
		}
		for _, access := range g.Access {
			site, product, ok := strings.Cut(access, "/")
			if !ok {
				return fmt.Errorf("groups[%d]: access %q: want SITE/PRODUCT, e.g. acme.atlassian.net/jira-software", j, access)
			}
			if _, err := m.GrantAccess(org.ID, site, product, g.Name, true); err != nil {
				return fmt.Errorf("groups[%d]: access %s: %w", j, access, err)
			}
		}
	}
	return nil
}

// seedFromFlags loads --seed-file into cfg. When no boot flag was given
// (bootGiven false), the boot organization is the seed's first
// organization and directory (found, not created, at start), so a seeded
// server does not also make a random one.
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
		*boot = snapshotBoot(*s.Snapshot)
		return nil
	}
	if len(s.Orgs) == 0 {
		return nil
	}
	first := s.Orgs[0]
	*boot = Boot{OrgID: first.ID, OrgName: first.Name, OrgAPIKey: first.APIKey}
	if len(first.Directories) > 0 {
		d := first.Directories[0]
		boot.DirectoryID, boot.DirectoryName, boot.APIKey = d.ID, d.Name, d.APIKey
	}
	return nil
}

// snapshotBoot is the boot of a snapshot seed: its first organization and
// that organization's first directory, found at start (their keys are only
// hashes there, so none is shown).
func snapshotBoot(doc store.Document) Boot {
	if len(doc.Orgs) == 0 {
		return Boot{}
	}
	first := doc.Orgs[0]
	b := Boot{OrgID: first.ID}
	if dirs, err := store.Decode[DirectoryRecord](first, kindDirectory); err == nil && len(dirs) > 0 {
		b.DirectoryID = dirs[0].ID
	}
	return b
}
