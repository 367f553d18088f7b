package httpx

import (
	"bytes"
	"net/http"
)

// Durable is middleware that acknowledges a write only once it is on disk:
// the handler's response is held, and when the request may have changed
// state (any method but GET and HEAD) and succeeded (status below 400),
// commit runs before the response leaves. commit returns once every change
// made before it was called is durable (internal/store's Commit). A failed
// commit answers through fail instead of the handler's response: the change
// is in memory but not durable.
func Durable(commit func() error, fail func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			buf := &heldResponse{header: w.Header(), status: http.StatusOK}
			next.ServeHTTP(buf, r)
			if buf.status < 400 {
				if err := commit(); err != nil {
					buf.header.Del("Content-Length")
					fail(w, r, err)
					return
				}
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
		})
	}
}

// heldResponse holds a response until its write is durable. Headers go
// straight to the real writer's map; status and body wait.
type heldResponse struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *heldResponse) Header() http.Header { return b.header }

func (b *heldResponse) WriteHeader(code int) {
	if !b.wrote {
		b.status, b.wrote = code, true
	}
}

func (b *heldResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
