package bench

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/provsim/provsim/harness"
	"github.com/provsim/provsim/mockatlassian"
	"github.com/provsim/provsim/mockokta"
)

// tenantsAndColdStart is section 4.
func tenantsAndColdStart(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	const n = 2000
	const section = "4 tenants and start"
	m, err := mockatlassian.New(mockatlassian.Options{Logger: log})
	if err != nil {
		return err
	}
	t0 := time.Now()
	for i := range n {
		org, err := m.CreateOrg(mockatlassian.CreateOrgInput{VerifiedDomains: []string{"example.com"}})
		if err != nil {
			return err
		}
		if _, err := m.CreateDirectory(org.ID, mockatlassian.CreateDirectoryInput{APIKey: fmt.Sprint("key-", i)}); err != nil {
			return err
		}
		if err := m.ResetOrg(org.ID); err != nil {
			return err
		}
	}
	per := time.Since(t0) / n
	rep.add(Row{Section: section, Measure: "mockatlassian: create organization + directory, reset it", Value: dur(per), Target: "≤ 1 ms", Met: met(per <= time.Millisecond)})

	om := mockokta.New(mockokta.Options{Logger: log})
	defer om.Close()
	t0 = time.Now()
	for range n {
		org, err := om.CreateOrg(mockokta.CreateOrgInput{})
		if err != nil {
			return err
		}
		o, _ := om.Org(org.ID)
		if _, err := om.CreateApp(o, mockokta.CreateAppInput{Name: "atlassian"}); err != nil {
			return err
		}
		if err := om.ResetOrg(org.ID); err != nil {
			return err
		}
	}
	per = time.Since(t0) / n
	rep.add(Row{Section: section, Measure: "mockokta: create org + Atlassian Cloud app, reset it", Value: dur(per), Target: "≤ 1 ms", Met: met(per <= time.Millisecond)})

	if c.RepoRoot == "" {
		return nil
	}
	bin, err := os.MkdirTemp("", "provsim-bench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(bin) }() // a temporary directory left behind is harmless
	for _, name := range []string{"mockatlassian", "mockokta"} {
		out := filepath.Join(bin, name)
		build := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/"+name)
		build.Dir = c.RepoRoot
		if b, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", name, err, b)
		}
		var times []time.Duration
		for range 7 {
			d, err := coldStart(ctx, out)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			times = append(times, d)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		med := times[len(times)/2]
		rep.add(Row{Section: section, Measure: name + " cold start to healthy (median of 7)", Value: dur(med),
			Limit: "min " + dur(times[0]), Target: "≤ 50 ms", Met: met(med <= 50*time.Millisecond)})
	}
	return nil
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// coldStart execs a binary on a free port and times it until /_sim/health
// answers 200.
func coldStart(ctx context.Context, bin string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	base := ""
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		return 0, fmt.Errorf("no listen address printed")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 10*time.Second {
		resp, err := client.Get(base + "/_sim/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("not healthy after 10s")
}

// guideScenario is section 5: the shipped guide scenario in-process,
// servers included.
func guideScenario(ctx context.Context, c Config, rep *Report, log *slog.Logger) error {
	path := filepath.Join(c.RepoRoot, "scenarios", "guide-end-to-end.yaml")
	if c.RepoRoot == "" {
		path = filepath.Join("scenarios", "guide-end-to-end.yaml")
	}
	var times []time.Duration
	for range 9 {
		res, err := harness.RunFile(ctx, path, harness.RunOptions{})
		if err != nil {
			return err
		}
		if !res.Passed {
			return fmt.Errorf("the guide scenario failed")
		}
		times = append(times, res.Duration)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	rep.add(Row{Section: "5 scenario", Measure: "guide end to end, in-process, servers included (median of 9)", Value: dur(med),
		Limit: "min " + dur(times[0]), Target: "≤ 200 ms", Met: met(med <= 200*time.Millisecond)})
	return nil
}
