package codec

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// Handler serves the codec to the Temporal UI and CLI (POST /encode and
// POST /decode, mounted under a prefix by the caller), so that
// authorised operators see decrypted payloads. allowOrigin is the UI's
// origin for CORS; token, when set, must come as "Authorization: Bearer
// <token>" and is compared in constant time.
func Handler(c converter.PayloadCodec, allowOrigin, token string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allowOrigin != "" {
			w.Header().Set("Access-Control-Allow-Origin", allowOrigin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		if token != "" {
			given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
				http.Error(w, "codec access needs a valid bearer token", http.StatusUnauthorized)
				return
			}
		}
		inner.ServeHTTP(w, r)
	})
}
