package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

// fakeClock is a settable clock for token expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLoginReturnsTokens(t *testing.T) {
	h := newHarness(t)
	body := h.mustOK("Session.login", map[string]any{"login": testLogin, "password": testPassword})

	assert.Regexp(t, `^[0-9a-f]{32}$`, body["session_id"])
	assert.NotEmpty(t, body["refresh_token"])
	assert.Equal(t, float64(900), body["expires_in"])
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`, body["expires_at"])

	parts := strings.Split(body["access_token"].(string), ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	for _, key := range []string{"exp", "iat", "login", "realm", "i_user", "jti"} {
		assert.Contains(t, claims, key)
	}
	assert.Equal(t, "admin", claims["realm"])
	assert.Equal(t, testLogin, claims["login"])
	assert.Equal(t, float64(900), claims["exp"].(float64)-claims["iat"].(float64))
}

func TestLoginBadPassword(t *testing.T) {
	h := newHarness(t)
	r := h.post("Session.login", map[string]any{
		"params": map[string]any{"login": testLogin, "password": "Admin-Secret"},
	}, nil)

	faultstring := requireFault(t, r, emulator.FaultAuthFailed)
	assert.Contains(t, faultstring, "incorrect")
	assert.Contains(t, faultstring, "case sensitive")
}

func TestLoginWithAPIToken(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.Users = "admin:admin-secret,robot:pw:tok-123" })
	body := h.mustOK("Session.login", map[string]any{"login": "robot", "token": "tok-123"})
	assert.NotEmpty(t, body["access_token"])

	r := h.post("Session.login", map[string]any{"params": map[string]any{"login": "robot", "token": "bad"}}, nil)
	requireFault(t, r, emulator.FaultAuthFailed)
}

func TestAuthFaults(t *testing.T) {
	h := newHarness(t)
	params := map[string]any{"params": map[string]any{"i_customer": 1000}}
	tests := []struct {
		name string
		give func(*http.Request)
		want string
	}{
		{"no credentials", nil, emulator.FaultEnvelopeMissed},
		{"token not a jwt", h.bearer("not-a-token"), emulator.FaultBadJWT},
		{"token with bad base64", h.bearer("a.b$.c"), emulator.FaultBadJWT},
		{"unknown jwt", h.bearer(foreignJWT()), emulator.FaultSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post("Customer.get_customer_info", params, tt.give)
			requireFault(t, r, tt.want)
		})
	}

	t.Run("unknown session id", func(t *testing.T) {
		r := h.post("Customer.get_customer_info", map[string]any{
			"params": map[string]any{}, "auth_info": map[string]any{"session_id": "0123"},
		}, nil)
		requireFault(t, r, emulator.FaultSessionExpired)
	})
	t.Run("bad stateless password", func(t *testing.T) {
		r := h.post("Customer.get_customer_info", map[string]any{
			"params": map[string]any{}, "auth_info": map[string]any{"login": testLogin, "password": "x"},
		}, nil)
		requireFault(t, r, emulator.FaultAuthFailed)
	})
}

// foreignJWT is a well-formed token the emulator never issued.
func foreignJWT() string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." +
		enc.EncodeToString([]byte(`{"exp":1,"login":"admin"}`)) + "." + enc.EncodeToString([]byte("sig"))
}

func TestAuthBySessionIDAndStatelessLogin(t *testing.T) {
	h := newHarness(t)
	login := h.mustOK("Session.login", map[string]any{"login": testLogin, "password": testPassword})

	r := h.post("Customer.get_customer_info", map[string]any{
		"params":    map[string]any{"i_customer": 1},
		"auth_info": map[string]any{"session_id": login["session_id"]},
	}, nil)
	assert.Equal(t, http.StatusOK, r.status, "session id: %s", r.raw)

	r = h.post("Customer.get_customer_info", map[string]any{
		"params":    map[string]any{"i_customer": 1},
		"auth_info": map[string]any{"login": testLogin, "password": testPassword},
	}, nil)
	assert.Equal(t, http.StatusOK, r.status, "stateless login: %s", r.raw)
}

func TestBearerTakesPrecedence(t *testing.T) {
	h := newHarness(t)
	// A bad bearer token wins over valid auth_info credentials.
	r := h.post("Customer.get_customer_info", map[string]any{
		"params":    map[string]any{"i_customer": 1},
		"auth_info": map[string]any{"login": testLogin, "password": testPassword},
	}, h.bearer(foreignJWT()))
	requireFault(t, r, emulator.FaultSessionExpired)
}

func TestFormEncodedRequest(t *testing.T) {
	h := newHarness(t)
	login := h.mustOK("Session.login", map[string]any{"login": testLogin, "password": testPassword})
	auth, _ := json.Marshal(map[string]any{"session_id": login["session_id"]})
	form := url.Values{
		"auth_info": {string(auth)},
		"params":    {`{"customer_info":{"name":"form-co","iso_4217":"EUR"}}`},
	}
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Customer/add_customer/",
		strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	r := h.do(req)
	require.Equal(t, http.StatusOK, r.status, "answer: %s", r.raw)
	assert.Equal(t, float64(1000), r.body["i_customer"])
}

func TestRefreshAccessToken(t *testing.T) {
	h := newHarness(t)
	login := h.mustOK("Session.login", map[string]any{"login": testLogin, "password": testPassword})
	refresh := login["refresh_token"]

	r := h.post("Session.refresh_access_token", map[string]any{"params": map[string]any{"refresh_token": refresh}}, nil)
	require.Equal(t, http.StatusOK, r.status, "answer: %s", r.raw)
	newToken := r.body["access_token"].(string)
	assert.NotEqual(t, login["access_token"], newToken)

	h.token = newToken
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})

	// A refresh token works once.
	r = h.post("Session.refresh_access_token", map[string]any{"params": map[string]any{"refresh_token": refresh}}, nil)
	requireFault(t, r, emulator.FaultRefreshFailed)
	r = h.post("Session.refresh_access_token", map[string]any{"params": map[string]any{"refresh_token": "nope"}}, nil)
	requireFault(t, r, emulator.FaultRefreshFailed)
}

func TestTokenExpiresAfterTTL(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	h := newHarness(t, func(c *emulator.Config) {
		c.Now = clock.Now
		c.TokenTTL = time.Minute
	})
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})

	clock.Advance(61 * time.Second)
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, emulator.FaultSessionExpired)

	h.token = h.login()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
}

func TestPingAndLogout(t *testing.T) {
	h := newHarness(t)
	body := h.mustOK("Session.ping", map[string]any{"access_token": h.token})
	assert.Equal(t, float64(1), body["user_id"])

	body = h.mustOK("Session.logout", map[string]any{"access_token": h.token})
	assert.Equal(t, float64(1), body["success"])

	body = h.mustOK("Session.ping", map[string]any{"access_token": h.token})
	assert.Equal(t, float64(0), body["user_id"])
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, emulator.FaultSessionExpired)
}

func TestExpireSessionsNow(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})

	require.NoError(t, h.admin.ExpireSessions(ctx))
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, emulator.FaultSessionExpired)

	h.token = h.login()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
}

func TestExpireSessionsAfterCalls(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, h.admin.ExpireSessionsAfter(context.Background(), 3))

	for i := range 3 {
		r := h.call("Customer.get_customer_info", map[string]any{"i_customer": 1})
		require.Equal(t, http.StatusOK, r.status, "call %d: %s", i+1, r.raw)
	}
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, emulator.FaultSessionExpired)

	h.token = h.login()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
}

func TestBlockedLogin(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	require.NoError(t, h.admin.SetLoginPolicy(ctx, emulator.LoginPolicy{Blocked: true}))

	r := h.post("Session.login", map[string]any{"params": map[string]any{"login": testLogin, "password": testPassword}}, nil)
	requireFault(t, r, emulator.FaultLoginBruteForce)
	// Existing sessions keep working while logins are blocked.
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})

	require.NoError(t, h.admin.SetLoginPolicy(ctx, emulator.LoginPolicy{}))
	h.login()
}

func TestBlockedLoginFromConfig(t *testing.T) {
	cfg := emulator.Config{DBPath: emulator.MemoryDB, BlockLogins: true}
	emu, err := emulator.New(cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	h := &harness{t: t, cfg: cfg, emu: emu, client: &http.Client{Timeout: 10 * time.Second}}
	h.srv = newTestServer(t, emu)

	r := h.post("Session.login", map[string]any{"params": map[string]any{"login": testLogin, "password": testPassword}}, nil)
	requireFault(t, r, emulator.FaultLoginBruteForce)
}

func TestLoginRateLimit(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, h.admin.SetLoginPolicy(context.Background(), emulator.LoginPolicy{MaxPerMinute: 5}))

	for i := range 5 {
		r := h.post("Session.login", map[string]any{"params": map[string]any{"login": testLogin, "password": testPassword}}, nil)
		require.Equal(t, http.StatusOK, r.status, "login %d: %s", i+1, r.raw)
	}
	r := h.post("Session.login", map[string]any{"params": map[string]any{"login": testLogin, "password": testPassword}}, nil)
	requireFault(t, r, emulator.FaultLoginBruteForce)
}

func TestMultipartRequest(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("auth_info", `{"login":"admin","password":"admin-secret"}`))
	require.NoError(t, mw.WriteField("params", `{"customer_info":{"name":"multi","iso_4217":"USD"}}`))
	require.NoError(t, mw.Close())

	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Customer/add_customer", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())

	r := h.do(req)
	require.Equal(t, http.StatusOK, r.status, "answer: %s", r.raw)
	assert.Equal(t, float64(1000), r.body["i_customer"])
}

func TestJSONBodyLabelledAsForm(t *testing.T) {
	h := newHarness(t)
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Customer/add_customer",
		strings.NewReader(`{"params":{"customer_info":{"name":"curl","iso_4217":"USD"}}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+h.token)

	r := h.do(req)
	require.Equal(t, http.StatusOK, r.status, "answer: %s", r.raw)
}

func TestExpireSessionsAfterCallsFromConfig(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.ExpireSessionsAfterCalls = 2 })
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, emulator.FaultSessionExpired)

	// The knob fires once.
	h.token = h.login()
	for range 3 {
		h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	}
}
