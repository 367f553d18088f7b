package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/provsim/provsim/internal/scim"
	"github.com/provsim/provsim/mockatlassian"
)

func cutID(resp []byte) (string, bool, error) {
	var r struct {
		ID string `json:"id"`
	}
	err := json.Unmarshal(resp, &r)
	return r.ID, r.ID != "", err
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// memoryAndLookups is section 3: heap per SCIM user after GC at each size,
// and lookup times that must not grow with the directory.
func memoryAndLookups(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	var first map[string]time.Duration
	for _, n := range c.MemorySizes {
		const dir = "mem-dir"
		before := heap()
		m, err := mockatlassian.New(mockatlassian.Options{Seed: 5, Logger: log, MaxUsersPerDirectory: n + 1})
		if err != nil {
			return err
		}
		org, _ := m.CreateOrg(mockatlassian.CreateOrgInput{VerifiedDomains: []string{"example.com"}})
		if _, err := m.CreateDirectory(org.ID, mockatlassian.CreateDirectoryInput{ID: dir, APIKey: fmt.Sprint("k", n)}); err != nil {
			return err
		}
		for i := range n {
			email := fmt.Sprintf("u%07d@example.com", i)
			if _, err := m.CreateUser(dir, scim.User{UserName: email, ExternalID: fmt.Sprintf("00u%07d", i),
				Emails: []scim.Email{{Value: email, Primary: true, Type: "work"}},
				Name:   &scim.Name{GivenName: "Given", FamilyName: "Family"}, DisplayName: "Given Family"}); err != nil {
				return err
			}
		}
		perUser := float64(heap()-before) / float64(n)
		section := "3 memory and lookups"
		rep.add(Row{Section: section, Measure: fmt.Sprintf("heap per SCIM user at %s users (user + account + indexes)", thousands(n)),
			Value: fmt.Sprintf("%.0f B", perUser), Target: "≤ 2 KB", Met: met(perUser <= 2048)})
		lookups := map[string]func(i int) error{
			"filter userName eq": func(i int) error {
				_, _, page, err := m.ListUsers(dir, &scim.EqFilter{Attribute: "userName", Value: fmt.Sprintf("u%07d@example.com", i)}, 1, 100)
				if err == nil && len(page) != 1 {
					err = fmt.Errorf("found %d", len(page))
				}
				return err
			},
			"filter externalId eq": func(i int) error {
				_, _, page, err := m.ListUsers(dir, &scim.EqFilter{Attribute: "externalId", Value: fmt.Sprintf("00u%07d", i)}, 1, 100)
				if err == nil && len(page) != 1 {
					err = fmt.Errorf("found %d", len(page))
				}
				return err
			},
			"by email (get-scim-links-for-email)": func(i int) error {
				links, err := m.SCIMLinksForEmail(org.ID, fmt.Sprintf("u%07d@example.com", i))
				if err == nil && len(links) != 1 {
					err = fmt.Errorf("found %d", len(links))
				}
				return err
			},
		}
		got := map[string]time.Duration{}
		for _, name := range []string{"filter userName eq", "filter externalId eq", "by email (get-scim-links-for-email)"} {
			const tries = 2000
			t0 := time.Now()
			for j := range tries {
				if err := lookups[name]((j * 7919) % n); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			got[name] = time.Since(t0) / tries
		}
		for _, name := range []string{"filter userName eq", "filter externalId eq", "by email (get-scim-links-for-email)"} {
			row := Row{Section: section, Measure: fmt.Sprintf("%s at %s users", name, thousands(n)), Value: dur(got[name])}
			if first != nil {
				growth := float64(got[name]) / float64(first[name])
				row.Limit = dur(first[name]) + fmt.Sprintf(" at %s", thousands(c.MemorySizes[0]))
				row.Target = "O(1): ≤ 3× the smallest"
				row.Met = met(growth <= 3)
			}
			rep.add(row)
		}
		if first == nil {
			first = got
		}
		runtime.KeepAlive(m)
	}
	return nil
}

func thousands(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
