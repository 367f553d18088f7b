package mockokta

import (
	"bytes"
	"image"
	"image/png"
	"net/http"

	"github.com/gorilla/mux"
)

// userTypeRoutes are the User Types API's reads, where every user's
// _links.type points (OAPI-LINKS-1). An org has the one default type
// (OAPI-USER-1); custom types are not simulated.
func (s *Server) userTypeRoutes(r *mux.Router) {
	r.HandleFunc("/meta/types/user", s.listUserTypes).Methods(http.MethodGet)
	r.HandleFunc("/meta/types/user/{typeId}", s.getUserType).Methods(http.MethodGet)
}

// userTypeView is a UserType (okta-sdk-golang v5 model_user_type.go).
type userTypeView struct {
	Links struct {
		Schema link `json:"schema"`
		Self   link `json:"self"`
	} `json:"_links"`
	Created       string `json:"created"`
	CreatedBy     string `json:"createdBy"`
	Default       bool   `json:"default"`
	Description   string `json:"description"`
	DisplayName   string `json:"displayName"`
	ID            string `json:"id"`
	LastUpdated   string `json:"lastUpdated"`
	LastUpdatedBy string `json:"lastUpdatedBy"`
	Name          string `json:"name"`
}

func (s *Server) defaultUserType(r *http.Request) userTypeView {
	o, base := orgOf(r), baseURL(r)
	created := oktaTimestamp(o.Created)
	admin := builtinID("00u", o.ID, "admin")
	v := userTypeView{Created: created, CreatedBy: admin, Default: true,
		Description: "Okta user profile template with default permission settings", DisplayName: "User",
		ID: defaultUserTypeID, LastUpdated: created, LastUpdatedBy: admin, Name: "user"}
	v.Links.Self = href(base, "meta", "types", "user", defaultUserTypeID)
	v.Links.Self.Method = http.MethodGet
	v.Links.Schema = href(base, "meta", "schemas", "user", "default")
	v.Links.Schema.Method = http.MethodGet
	return v
}

func (s *Server) listUserTypes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, []userTypeView{s.defaultUserType(r)})
}

func (s *Server) getUserType(w http.ResponseWriter, r *http.Request) {
	if id := vars(r)["typeId"]; id != defaultUserTypeID && id != "default" {
		s.writeError(w, r, errNotFound("UserType", id))
		return
	}
	writeJSON(w, http.StatusOK, s.defaultUserType(r))
}

// groupLogoRoutes serve the two group logos groups link to: a plain
// square in Okta's grey, as Okta's own are served from the org's domain.
func groupLogoRoutes(r *mux.Router) {
	for _, size := range []struct {
		name string
		px   int
	}{{"medium", 40}, {"large", 80}} {
		img := groupLogo(size.px)
		r.HandleFunc("/img/logos/groups/odyssey/okta-"+size.name+".png", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Cache-Control", "public, max-age=86400")
			_, _ = w.Write(img)
		}).Methods(http.MethodGet)
	}
}

func groupLogo(px int) []byte {
	img := image.NewGray(image.Rect(0, 0, px, px))
	for i := range img.Pix {
		img.Pix[i] = 0xA0
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // encoding into memory cannot fail
	return b.Bytes()
}
