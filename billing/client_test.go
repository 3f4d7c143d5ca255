package billing_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/emulator"
)

func startEmulator(t *testing.T) (*billing.Client, *emulator.AdminClient) {
	t.Helper()
	srv, err := emulator.New(emulator.Config{DBPath: filepath.Join(t.TempDir(), "b.db")}, nil)
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	c := billing.New(billing.Options{BaseURL: hs.URL, Login: "admin", Password: "admin-secret"}, zap.NewNop())
	return c, &emulator.AdminClient{BaseURL: hs.URL}
}

func countLogins(t *testing.T, admin *emulator.AdminClient) int {
	t.Helper()
	calls, err := admin.Calls(context.Background())
	require.NoError(t, err)
	n := 0
	for _, c := range calls {
		if c.Method == "Session.login" {
			n++
		}
	}
	return n
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	c, admin := startEmulator(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetCustomerByName(ctx, "nobody")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, countLogins(t, admin))
}

func TestExpiredSessionLogsInOnceAgain(t *testing.T) {
	c, admin := startEmulator(t)
	ctx := context.Background()
	_, err := c.GetCustomerByName(ctx, "nobody")
	require.NoError(t, err)
	require.NoError(t, admin.ExpireSessions(ctx))

	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetCustomerByName(ctx, "nobody")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 2, countLogins(t, admin), "one login at start, one shared re-login")
}

func TestBadCredentialsAreAuthClass(t *testing.T) {
	_, admin := startEmulator(t)
	c := billing.New(billing.Options{BaseURL: admin.BaseURL, Login: "admin", Password: "wrong"}, zap.NewNop())
	_, err := c.GetCustomerByName(context.Background(), "x")
	require.Error(t, err)
	assert.Equal(t, billing.ClassAuth, billing.ClassOf(err))
	assert.Equal(t, "Server.Session.auth_failed", billing.FaultCode(err))
	assert.NotContains(t, err.Error(), "wrong", "the password never appears in errors")
}

// scripted returns a client whose server replies to each call after the
// login with the next canned response.
func scripted(t *testing.T, answers ...func(w http.ResponseWriter)) *billing.Client {
	t.Helper()
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rest/Session/login" {
			_, _ = w.Write([]byte(`{"access_token":"a.b.c","session_id":"s"}`))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, answers, "unexpected call %s", r.URL.Path)
		answers[0](w)
		answers = answers[1:]
	}))
	t.Cleanup(hs.Close)
	return billing.New(billing.Options{BaseURL: hs.URL, Login: "u", Password: "p"}, zap.NewNop())
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func TestAnswersAreClassified(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   billing.Class
	}{
		{"proxy page on 502", status(502, "<html>Bad Gateway</html>"), billing.ClassTransient},
		{"html on 500", status(500, "<html>oops</html>"), billing.ClassTransient},
		{"not json on 200", status(200, "<html>login</html>"), billing.ClassTransient},
		{"success 0", status(200, `{"success": 0}`), billing.ClassTransient},
		{"standby site", status(500, `{"faultcode":"read_only_mode","faultstring":"standby"}`), billing.ClassTransient},
		{"duplicate", status(500, `{"faultcode":"Server.Account.duplicate_id","faultstring":"dup"}`), billing.ClassDuplicate},
		{"not found", status(500, `{"faultcode":"Server.Account.not_found","faultstring":"gone"}`), billing.ClassNotFound},
		{"invalid", status(500, `{"faultcode":"Client.Account.too_short.account_info.login","faultstring":"short"}`), billing.ClassInvalid},
		{"rule", status(500, `{"faultcode":"Server.Customer.customer_has_accounts","faultstring":"has"}`), billing.ClassRejected},
		{"brute force", status(500, `{"faultcode":"Server.Session.cannot_login_brute_force_activity","faultstring":"wait"}`), billing.ClassAuth},
		{"wrong url", status(404, "not here"), billing.ClassInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := scripted(t, tt.answer)
			err := c.TerminateAccount(context.Background(), 5)
			require.Error(t, err)
			assert.Equal(t, tt.want, billing.ClassOf(err), "%v", err)
		})
	}
}

func TestSessionFaultResendsOnce(t *testing.T) {
	expired := status(500, `{"faultcode":"Server.Session.check_auth.auth_failed","faultstring":"expired"}`)
	c := scripted(t, expired, status(200, `{"success": 1}`))
	require.NoError(t, c.TerminateAccount(context.Background(), 5))

	c = scripted(t, expired, expired)
	err := c.TerminateAccount(context.Background(), 5)
	assert.Equal(t, billing.ClassAuth, billing.ClassOf(err), "a second session fault is not resent again")
}

func TestLenientNumbers(t *testing.T) {
	c := scripted(t, status(200, `{"account_info":{"i_account":"570170","id":"1202","i_customer":6736.0,
		"i_master_account":null,"billing_model":"-1","note":null,"bill_status":"O"}}`))
	acc, err := c.GetAccountByID(context.Background(), "1202")
	require.NoError(t, err)
	require.NotNil(t, acc)
	assert.Equal(t, billing.Int(570170), acc.IAccount)
	assert.Equal(t, billing.Int(6736), acc.ICustomer)
	assert.Equal(t, billing.Int(-1), acc.BillingModel)
	assert.Equal(t, billing.Text(""), acc.Note)
}

func TestEmptyInfoIsNotFound(t *testing.T) {
	c := scripted(t, status(200, `{}`), status(500, `{"faultcode":"Server.Customer.not_found","faultstring":"no"}`))
	acc, err := c.GetAccountByID(context.Background(), "x")
	require.NoError(t, err)
	assert.Nil(t, acc)
	cust, err := c.GetCustomerByName(context.Background(), "x")
	require.NoError(t, err)
	assert.Nil(t, cust)
}

func TestMarks(t *testing.T) {
	note := billing.WithMark("Two seats.", "batch-b-customer-1")
	assert.True(t, billing.HasMark(note, "batch-b-customer-1"))
	assert.False(t, billing.HasMark(note, "batch-b-customer-10"))
	assert.False(t, billing.HasMark("provisioned-by: other", "batch-b-customer-1"))
	assert.Equal(t, "provisioned-by: m", billing.WithMark("", "m"))
}

func TestParamsAreSentAsJSONObject(t *testing.T) {
	var got map[string]any
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rest/Session/login" {
			_, _ = w.Write([]byte(`{"access_token":"a.b.c"}`))
			return
		}
		assert.Equal(t, "Bearer a.b.c", r.Header.Get("Authorization"))
		assert.Equal(t, "/rest/Customer/add_customer_extension", r.URL.Path)
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		_, _ = w.Write([]byte(`{"i_c_ext": "12"}`))
	}))
	defer hs.Close()
	c := billing.New(billing.Options{BaseURL: hs.URL + "/", Login: "u", Password: "p"}, zap.NewNop())
	id, err := c.AddExtension(context.Background(), 7, "101", 9, "Reception")
	require.NoError(t, err)
	assert.Equal(t, int64(12), id)
	assert.Equal(t, map[string]any{"params": map[string]any{
		"i_customer": float64(7), "id": "101", "i_account": float64(9), "name": "Reception"}}, got)
	var f *billing.Fault
	assert.False(t, errors.As(err, &f))
}

// With MaxConcurrent set, no more calls are in flight at once than it
// allows, and a call waiting for a slot gives up with its context.
func TestMaxConcurrentCalls(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/rest/Session/login" {
			_, _ = w.Write([]byte(`{"access_token":"t1","session_id":"s1"}`))
			return
		}
		<-release
		_, _ = w.Write([]byte(`{}`))
	}))
	defer hs.Close()
	c := billing.New(billing.Options{BaseURL: hs.URL, Login: "admin", Password: "pw", MaxConcurrent: 3}, zap.NewNop())

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetCustomerByName(context.Background(), "nobody")
			assert.NoError(t, err)
		}()
	}
	require.Eventually(t, func() bool { return inFlight.Load() == 3 }, 5*time.Second, 10*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetCustomerByName(ctx, "late")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "no slot came free in time")

	close(release)
	wg.Wait()
	assert.Equal(t, int32(3), peak.Load())
}
