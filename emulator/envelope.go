package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyBytes caps a request body; real calls are a few kilobytes.
const maxBodyBytes = 4 << 20

const jsonContentType = "application/json; charset=UTF-8"

// request is a decoded /rest/ call.
type request struct {
	params map[string]any
	creds  credentials
}

// decodeRequest reads params and auth_info from a JSON body or from form
// fields holding JSON strings, and the bearer token from the header.
func decodeRequest(w http.ResponseWriter, r *http.Request) (request, error) {
	req := request{params: map[string]any{}}
	if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok &&
		strings.EqualFold(scheme, "Bearer") {
		req.creds.bearer = strings.TrimSpace(token)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

	var rawParams, rawAuth any
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxBodyBytes); err != nil {
			return req, faultf(FaultMalformedRequest, "Multipart form cannot be parsed")
		}
		rawParams, rawAuth = formField(r.PostForm, "params"), formField(r.PostForm, "auth_info")
	} else {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return req, faultf(FaultMalformedRequest, "Request body cannot be read")
		}
		body = bytes.TrimSpace(body)

		// curl and some scripts label a JSON body as a form, so the body
		// decides: an object is JSON, anything else is form fields.
		switch {
		case len(body) == 0:
		case mediaType == "application/x-www-form-urlencoded" && body[0] != '{':
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return req, faultf(FaultMalformedRequest, "Request form cannot be parsed")
			}
			rawParams, rawAuth = formField(form, "params"), formField(form, "auth_info")
		default:
			var env struct {
				Params   any `json:"params"`
				AuthInfo any `json:"auth_info"`
			}
			if err := decodeJSON(body, &env); err != nil {
				return req, faultf(FaultMalformedRequest, "Request body is not valid JSON")
			}
			rawParams, rawAuth = env.Params, env.AuthInfo
		}
	}

	if rawParams != nil {
		m, ok := asObject(rawParams)
		if !ok {
			return req, faultf(FaultMalformedRequest, "params must be a JSON object")
		}
		req.params = m
	}
	if rawAuth != nil {
		m, ok := asObject(rawAuth)
		if !ok {
			return req, faultf(FaultMalformedRequest, "auth_info must be a JSON object")
		}
		auth := newFields("Session", "auth_info", m)
		req.creds.sessionID, _, _ = auth.str("session_id")
		req.creds.login, _, _ = auth.str("login")
		req.creds.password, _, _ = auth.str("password")
		req.creds.token, _, _ = auth.str("token")
	}
	return req, nil
}

// formField returns a form field's value, or nil when it is absent or
// empty.
func formField(form url.Values, key string) any {
	if v := form.Get(key); v != "" {
		return v
	}
	return nil
}

// decodeJSON decodes with json.Number, so ids and amounts keep the exact
// spelling the client sent when they are stored and returned.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"faultcode":"` + FaultInternal + `","faultstring":"Response cannot be encoded"}`)
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeFault(w http.ResponseWriter, f *apiFault) {
	writeJSON(w, http.StatusInternalServerError, f)
}

// writeHTML sends an error page as a proxy or a crashed backend would.
func writeHTML(w http.ResponseWriter, status int) {
	text := http.StatusText(status)
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<html>\n<head><title>%d %s</title></head>\n<body>\n<h1>%d %s</h1>\n</body>\n</html>\n",
		status, text, status, text)
}

// maskParams copies params for the journal with every password, token and
// session id replaced by "***".
func maskParams(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if isSecretKey(k) {
			out[k] = "***"
			continue
		}
		out[k] = maskValue(v)
	}
	return out
}

func maskValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return maskParams(t)
	case []any:
		list := make([]any, len(t))
		for i, item := range t {
			list[i] = maskValue(item)
		}
		return list
	}
	return v
}

func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "password") || strings.Contains(k, "token") ||
		k == "session_id" || k == "secret"
}
