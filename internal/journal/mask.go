package journal

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Masked is what a password becomes in a journal: Okta's own request logs
// print `"password": "{masked}"`.
const Masked = "{masked}"

// MaskSecrets returns body with every password in it masked, so neither
// journal ever holds one: in a JSON body, each string under a key that
// names a password (`password`, `newPassword`, a connection's `password`,
// any case), also inside an object there (`credentials.password.value`, an
// imported hash), and the `value` of a PATCH operation whose `path` names
// one; in a form body, each such field. Everything else keeps
// its bytes; a JSON body with a password is kept compact, keys in their
// order. A body that cannot hold a password is returned as it is, without
// being parsed.
func MaskSecrets(body []byte) []byte {
	if !bytes.Contains(body, []byte("assword")) && !bytes.Contains(body, []byte("ASSWORD")) {
		return body
	}
	trimmed := bytes.TrimSpace(body)
	if json.Valid(trimmed) {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var out bytes.Buffer
		if err := maskValue(dec, false, &out); err != nil {
			return []byte(`"` + Masked + `"`) // valid JSON cannot fail here; never keep what was not walked
		}
		return out.Bytes()
	}
	if form, err := url.ParseQuery(string(trimmed)); err == nil {
		masked := false
		for k, vs := range form {
			if namesPassword(k) {
				for i := range vs {
					vs[i] = Masked
				}
				masked = true
			}
		}
		if masked {
			return []byte(form.Encode())
		}
	}
	return body
}

// namesPassword tells a key that holds a password.
func namesPassword(key string) bool {
	return strings.Contains(strings.ToLower(key), "password")
}

// maskValue copies one JSON value from dec to out; under is set inside a
// password key, where every string is masked. An object whose `path`
// names a password (a SCIM PATCH operation {"op":"replace","path":"password",
// "value":…}) has its `value` masked too, whatever the order of its keys.
func maskValue(dec *json.Decoder, under bool, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		if _, isString := tok.(string); isString && under {
			tok = Masked
		}
		return writeJSON(out, tok)
	}
	type member struct {
		key string
		val []byte
	}
	var members []member
	pathNamesPassword := false
	for dec.More() {
		k := ""
		if d == '{' {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ = kt.(string)
		}
		var val bytes.Buffer
		if err := maskValue(dec, under || (d == '{' && namesPassword(k)), &val); err != nil {
			return err
		}
		if d == '{' && strings.EqualFold(k, "path") {
			var path string
			pathNamesPassword = pathNamesPassword || (json.Unmarshal(val.Bytes(), &path) == nil && namesPassword(path))
		}
		members = append(members, member{k, val.Bytes()})
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	out.WriteString(d.String())
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		if d == '{' {
			if err := writeJSON(out, m.key); err != nil {
				return err
			}
			out.WriteByte(':')
			if pathNamesPassword && strings.EqualFold(m.key, "value") {
				masked, err := maskAll(m.val)
				if err != nil {
					return err
				}
				m.val = masked
			}
		}
		out.Write(m.val)
	}
	if d == '{' {
		out.WriteByte('}')
	} else {
		out.WriteByte(']')
	}
	return nil
}

// maskAll masks every string of a JSON value.
func maskAll(val []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(val))
	dec.UseNumber()
	var out bytes.Buffer
	err := maskValue(dec, true, &out)
	return out.Bytes(), err
}

// writeJSON writes a scalar as JSON, leaving <, > and & as they were sent.
func writeJSON(out *bytes.Buffer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}
