package mockokta

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/provsim/provsim/internal/httpx"
)

// apiAuth authenticates a Management API request by either credential Okta
// takes there: an API token (`SSWS`, ssws) or an OAuth 2.0 access token
// from the org authorization server (`Bearer`), whose scopes must cover the
// endpoint (OAPI-OAUTH-4, OAPI-AUTH-3). Either way it selects the org,
// which is also the request's tenant.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	sws := s.ssws(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			sws.ServeHTTP(w, r)
			return
		}
		t, ok := s.Model.oauth.lookup(strings.TrimSpace(token), s.Model.clock.Now())
		var o *Org
		if ok {
			var err error
			o, err = s.Model.Org(t.orgID)
			ok = err == nil
		}
		if !ok {
			// Expired, revoked, unknown or forged: 401 (OAPI-AUTH-3).
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid."`)
			s.writeError(w, r, errInvalidToken())
			return
		}
		need, oauthOK := requiredScope(r.Method, r.URL.Path)
		if !oauthOK {
			s.writeError(w, r, errInvalidSession())
			return
		}
		if need != "" && !hasScope(t.scopes, need) {
			base := baseURL(r)
			// Okta's answer: 403, the reason in WWW-Authenticate, no body
			// (OAPI-AUTH-3).
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="%s/oauth2/v1/authorize", realm="%s", scope="%s", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="%s"`,
				base, base, need, r.URL.Path))
			w.WriteHeader(http.StatusForbidden)
			return
		}
		httpx.SetTenant(r, o.ID)
		// A service app has its own share of each rate-limit bucket (OAPI-RATE-2).
		ctx := withPrincipal(context.WithValue(r.Context(), orgKey, o), principal{PrincipalOAuthClient, t.clientID})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func errInvalidSession() *Error {
	return &Error{http.StatusForbidden, "E0000005", "Invalid session", nil}
}

// hasScope: a manage scope includes its read scope (okta.users.manage
// reads users too), and okta.users.read covers okta.users.read.self.
func hasScope(granted []string, need string) bool {
	if slices.Contains(granted, need) {
		return true
	}
	if res, ok := strings.CutSuffix(need, ".read"); ok {
		return slices.Contains(granted, res+".manage")
	}
	if need == "okta.users.read.self" {
		return slices.Contains(granted, "okta.users.read") || slices.Contains(granted, "okta.users.manage")
	}
	return false
}

// requiredScope is the okta.* scope an OAuth access token needs for a
// Management API request (Okta's "Scopes and supported endpoints"): read
// for GET, manage for every change. ok is false on an endpoint that takes
// no OAuth token at all (an API token only): the scope grants of an app,
// which Okta answers 403 Invalid session over OAuth (OAPI-OAUTH-5). ""
// with ok: no scope needed (paths outside /api/v1, such as the org's
// public metadata, and unknown paths, which answer 404).
func requiredScope(method, path string) (scope string, ok bool) {
	rest, found := strings.CutPrefix(path, "/api/v1/")
	if !found {
		return "", true
	}
	parts := strings.Split(rest, "/")
	action := ".manage"
	if method == http.MethodGet || method == http.MethodHead {
		action = ".read"
	}
	switch parts[0] {
	case "users":
		if len(parts) >= 2 && parts[1] == "me" && action == ".read" {
			return "okta.users.read.self", true
		}
		return "okta.users" + action, true
	case "groups":
		return "okta.groups" + action, true
	case "apps":
		if len(parts) >= 3 && parts[2] == "grants" {
			return "", false
		}
		return "okta.apps" + action, true
	case "logs":
		return "okta.logs.read", true
	case "meta":
		return "okta.schemas" + action, true
	case "mappings":
		return "okta.profileMappings" + action, true
	case "policies":
		return "okta.policies" + action, true
	case "principal-rate-limits":
		return "okta.principalRateLimits" + action, true
	case "rate-limit-settings":
		return "okta.rateLimits" + action, true
	case "api-tokens":
		// Revoking "the current token" needs the caller to be one
		// (OAPI-TOKEN-1).
		if len(parts) >= 2 && parts[1] == "current" {
			return "", false
		}
		return "okta.apiTokens" + action, true
	}
	return "", true
}
