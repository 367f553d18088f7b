// Package httpx holds the HTTP plumbing both simulators share: the serve
// loop and the health check.
package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Serve serves h on addr until ctx ends, then shuts down gracefully. ready,
// when not nil, receives the bound address once the listener is up (with
// port 0 it tells which port was chosen).
func Serve(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	return ServeListeners(ctx, h, func(addrs []net.Addr) {
		if ready != nil {
			ready(addrs[0])
		}
	}, Listen{Addr: addr})
}

// Listen is one address a server listens on: plain HTTP, or HTTPS with
// TLS's certificates.
type Listen struct {
	Addr string
	TLS  *tls.Config // nil: plain HTTP
}

// ServeListeners serves h on every listener until ctx ends, then shuts
// down gracefully; a failure of one stops them all. ready, when not nil,
// receives the bound addresses (in the order of ls) once all are up.
func ServeListeners(ctx context.Context, h http.Handler, ready func([]net.Addr), ls ...Listen) error {
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}
	for _, l := range ls {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			closeAll()
			return err
		}
		lns = append(lns, ln)
	}
	stopping := make(chan struct{})
	base := context.WithValue(context.Background(), stoppingKey{}, (<-chan struct{})(stopping))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	// Shutdown waits for active requests; a live stream (a console's
	// server-sent events) is active until told to end.
	srv.RegisterOnShutdown(func() { close(stopping) })
	if ready != nil {
		addrs := make([]net.Addr, len(lns))
		for i, ln := range lns {
			addrs[i] = ln.Addr()
		}
		ready(addrs)
	}
	errc := make(chan error, len(lns))
	for i, ln := range lns {
		go func() {
			if c := ls[i].TLS; c != nil {
				// ServeTLS offers HTTP/2 as well, as the real services do.
				errc <- serveTLS(srv, ln, c)
				return
			}
			errc <- srv.Serve(ln)
		}()
	}
	// The first listener to fail stops them all, as ctx ending does.
	var first error
	done := 0
	select {
	case first = <-errc:
		done++
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	for ; done < len(lns); done++ {
		if e := <-errc; err == nil && !errors.Is(e, http.ErrServerClosed) {
			err = e
		}
	}
	if first != nil {
		return first
	}
	return err
}

// serveTLS serves HTTPS on ln with c's certificates, offering HTTP/2 as
// the real services do (net/http speaks it on a TLS listener that lists
// "h2").
func serveTLS(srv *http.Server, ln net.Listener, c *tls.Config) error {
	c = c.Clone()
	if len(c.NextProtos) == 0 {
		c.NextProtos = []string{"h2", "http/1.1"}
	}
	return srv.Serve(tls.NewListener(ln, c))
}

type stoppingKey struct{}

// Stopping is closed when the server serving the request (through Serve)
// begins to shut down, so a long-lived response can end in time; nil
// (never closed) for a request served otherwise, e.g. by httptest.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return ch
}

// Healthcheck asks the simulator listening on addr for /_sim/health; a
// wildcard host means this machine. Container HEALTHCHECKs call it through
// each binary's `healthcheck` subcommand.
func Healthcheck(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/_sim/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	return nil
}
