package browsertest

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/provsim/provsim/internal/certs"
)

// TrustCA: a site whose certificate a local authority issued opens once
// the browser trusts that authority, and is refused by a browser that does
// not, or that trusts another authority only: the browser still checks
// certificates, it does not skip the check.
func TestTrustCA(t *testing.T) {
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("site", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "secure", Value: "1", Path: "/", Secure: true})
		http.SetCookie(w, &http.Cookie{Name: "plain", Value: "1", Path: "/"})
		fmt.Fprint(w, "<!doctype html><h1>Trusted page</h1>")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// The refused handshakes are what the test expects, not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()

	for _, c := range []struct {
		name string
		opts []Option
		ok   bool
	}{
		{"no CA trusted", nil, false},
		{"another CA trusted", []Option{TrustCA(other.PEM())}, false},
		{"the site's CA trusted", []Option{TrustCA(append(other.PEM(), ca.PEM()...))}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := New(t, c.opts...)
			_, err := chromedp.Run(b.Ctx, Navigate(srv.URL+"/"))
			if !c.ok {
				if err == nil || !strings.Contains(err.Error(), "ERR_CERT_AUTHORITY_INVALID") {
					t.Fatalf("opening %s: %v, want ERR_CERT_AUTHORITY_INVALID", srv.URL, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("opening %s: %v", srv.URL, err)
			}
			b.Step("the page shows", WaitText("Trusted page"))
			b.RequireSecure(srv.URL, "secure")
			if msg := fatalOf(b, func() { b.RequireSecure(srv.URL, "secure", "plain") }); msg != "the cookie plain for "+srv.URL+" is not Secure" {
				t.Errorf("RequireSecure with a cookie without Secure: %q", msg)
			}
			if msg := fatalOf(b, func() { b.RequireSecure(srv.URL, "absent") }); msg != "no cookie absent for "+srv.URL {
				t.Errorf("RequireSecure with a cookie not set: %q", msg)
			}
		})
	}
}

// RequireSecure refuses a page asked for over plain http.
func TestRequireSecureRefusesHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><h1>Plain page</h1>")
	}))
	defer srv.Close()
	b := New(t)
	b.Step("open a page over http", Navigate(srv.URL+"/"), WaitText("Plain page"))
	if msg := fatalOf(b, func() { b.RequireSecure(srv.URL) }); !strings.HasPrefix(msg, "the tab asked for "+srv.URL+"/, not over https") {
		t.Errorf("RequireSecure after an http page: %q", msg)
	}
}

// fatalOf runs check with b failing into a recorder instead of its test,
// and returns the message it failed with ("" when it passed).
func fatalOf(b *Browser, check func()) string {
	rec := &fatalRecorder{TB: b.t}
	saved := b.t
	b.t = rec
	defer func() { b.t = saved }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		check()
	}()
	<-done
	return rec.msg
}

// fatalRecorder keeps the message of Fatal and Fatalf and ends the
// goroutine, as a test's Fatal does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TrustCA refuses, clearly, what is not a PEM certificate.
func TestTrustCANoCertificate(t *testing.T) {
	if Path() == "" {
		t.Skip("no chromium")
	}
	if _, err := trustingHome(t, []byte("not a certificate")); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("trustingHome: %v", err)
	}
}
