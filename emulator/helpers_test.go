package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/portaplus2/batchcustomers/emulator"
)

const (
	testLogin    = "admin"
	testPassword = "admin-secret"
)

// harness is one emulator behind an httptest server on 127.0.0.1, with a
// logged-in access token.
type harness struct {
	t      *testing.T
	cfg    emulator.Config
	emu    *emulator.Server
	srv    *httptest.Server
	admin  *emulator.AdminClient
	client *http.Client
	token  string
}

// newHarness starts an emulator on a fresh database file and logs in.
// Options change the config before New.
func newHarness(t *testing.T, opts ...func(*emulator.Config)) *harness {
	t.Helper()
	cfg := emulator.Config{DBPath: filepath.Join(t.TempDir(), "billing.db")}
	for _, opt := range opts {
		opt(&cfg)
	}
	h := &harness{t: t, cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}}
	h.start()
	h.token = h.login()
	return h
}

// start creates the emulator and server; Cleanup stops both.
func (h *harness) start() {
	h.t.Helper()
	emu, err := emulator.New(h.cfg, zaptest.NewLogger(h.t))
	require.NoError(h.t, err)
	h.emu = emu
	h.srv = httptest.NewServer(emu.Handler())
	h.admin = &emulator.AdminClient{BaseURL: h.srv.URL, HTTP: h.client}
	h.t.Cleanup(h.stop)
}

func (h *harness) stop() {
	if h.srv == nil {
		return
	}
	h.srv.CloseClientConnections()
	h.srv.Close()
	require.NoError(h.t, h.emu.Close())
	h.srv, h.emu = nil, nil
}

// restart closes the emulator and opens a new one on the same file.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
	h.token = h.login()
}

func (h *harness) login() string {
	h.t.Helper()
	body := h.mustOK("Session.login", map[string]any{"login": testLogin, "password": testPassword})
	token, _ := body["access_token"].(string)
	require.NotEmpty(h.t, token)
	return token
}

// response is a decoded /rest/ response.
type response struct {
	status      int
	contentType string
	raw         []byte
	body        map[string]any
}

// post sends a JSON envelope to /rest/<Service>/<method>; setAuth adds
// credentials to the request.
func (h *harness) post(method string, envelope any, setAuth func(*http.Request)) response {
	h.t.Helper()
	r, err := h.send(method, envelope, setAuth)
	require.NoError(h.t, err)
	return r
}

// send is post for goroutines other than the test's own: it returns
// errors instead of failing the test.
func (h *harness) send(method string, envelope any, setAuth func(*http.Request)) (response, error) {
	data, err := json.Marshal(envelope)
	if err != nil {
		return response{}, err
	}
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+restPath(method), bytes.NewReader(data))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if setAuth != nil {
		setAuth(req)
	}
	return h.roundTrip(req)
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	r, err := h.roundTrip(req)
	require.NoError(h.t, err)
	return r
}

func (h *harness) roundTrip(req *http.Request) (response, error) {
	resp, err := h.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}

	r := response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r, nil
}

// call sends params with the harness token as a bearer header.
func (h *harness) call(method string, params any) response {
	h.t.Helper()
	return h.post(method, map[string]any{"params": params}, h.bearer(h.token))
}

func (h *harness) bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func (h *harness) mustOK(method string, params any) map[string]any {
	h.t.Helper()
	var r response
	if method == "Session.login" {
		r = h.post(method, map[string]any{"params": params}, nil)
	} else {
		r = h.call(method, params)
	}
	require.Equal(h.t, http.StatusOK, r.status, "%s answered %s", method, r.raw)
	require.Equal(h.t, "application/json; charset=UTF-8", r.contentType)
	return r.body
}

// mustFault checks that a call fails with HTTP 500 and faultcode, and
// returns the faultstring.
func (h *harness) mustFault(method string, params any, faultcode string) string {
	h.t.Helper()
	r := h.call(method, params)
	return requireFault(h.t, r, faultcode)
}

func requireFault(t *testing.T, r response, faultcode string) string {
	t.Helper()
	require.Equal(t, http.StatusInternalServerError, r.status, "answer: %s", r.raw)
	require.Equal(t, faultcode, r.body["faultcode"], "answer: %s", r.raw)
	faultstring, _ := r.body["faultstring"].(string)
	require.NotEmpty(t, faultstring)
	return faultstring
}

func restPath(method string) string {
	service, name, _ := strings.Cut(method, ".")
	return "/rest/" + service + "/" + name
}

// num reads a JSON number field as int64.
func num(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	v, ok := m[key].(float64)
	require.True(t, ok, "field %s is %T (%v), want a number", key, m[key], m[key])
	return int64(v)
}

func object(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	require.True(t, ok, "field %s is %T, want an object", key, m[key])
	return v
}

func list(t *testing.T, m map[string]any, key string) []any {
	t.Helper()
	v, ok := m[key].([]any)
	require.True(t, ok, "field %s is %T, want an array", key, m[key])
	return v
}

// addCustomer creates a customer and returns its i_customer.
func (h *harness) addCustomer(name string, extra map[string]any) int64 {
	h.t.Helper()
	info := map[string]any{"name": name, "iso_4217": "USD"}
	for k, v := range extra {
		info[k] = v
	}
	body := h.mustOK("Customer.add_customer", map[string]any{"customer_info": info})
	return num(h.t, body, "i_customer")
}

// addAccount creates an account and returns its i_account.
func (h *harness) addAccount(customer int64, id string, extra map[string]any) int64 {
	h.t.Helper()
	info := map[string]any{
		"id": id, "i_customer": customer, "i_product": 7, "billing_model": 1,
		"h323_password": "Str0ngPassw0rd",
	}
	for k, v := range extra {
		info[k] = v
	}
	body := h.mustOK("Account.add_account", map[string]any{"account_info": info})
	return num(h.t, body, "i_account")
}

func (h *harness) accountInfo(params map[string]any) map[string]any {
	h.t.Helper()
	body := h.mustOK("Account.get_account_info", params)
	if _, ok := body["account_info"]; !ok {
		return nil
	}
	return object(h.t, body, "account_info")
}

func (h *harness) state() *emulator.State {
	h.t.Helper()
	state, err := h.admin.State(context.Background())
	require.NoError(h.t, err)
	return state
}

// newTestServer serves emu on 127.0.0.1 until the test ends.
func newTestServer(t *testing.T, emu *emulator.Server) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return srv
}
