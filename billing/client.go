// Package billing is a client for the subset of the PortaBilling JSON API
// that provisioning needs. It shares one session per Client, logs in again
// when billing reports the session dead, and classifies every failure (see
// Class). It does not depend on Temporal.
package billing

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// Options configure a Client.
type Options struct {
	// BaseURL is the admin realm root, for example https://billing:443.
	// Calls go to BaseURL + /rest/<Service>/<method>.
	BaseURL  string
	Login    string
	Password string
	// Timeout bounds one HTTP call, connect and read together.
	Timeout time.Duration
	// InsecureTLS skips certificate checks, for self-signed test servers.
	InsecureTLS bool
	// Observe, when set, receives the duration and outcome of each call.
	Observe func(method string, took time.Duration, err error)
	// MaxConcurrent caps the calls in flight at once from this client;
	// 0 means no cap. Further calls wait for a free slot.
	MaxConcurrent int
}

// Client calls the PortaBilling JSON API. It is safe for concurrent use;
// all calls share one session.
type Client struct {
	opts Options
	http *http.Client
	log  *zap.Logger

	mu    sync.Mutex
	token string
	// gen counts logins, so that a call that failed on an old token does
	// not trigger a second login after another call already renewed it.
	gen    uint64
	logins singleflight.Group
	// slots holds one token per call in flight when MaxConcurrent is set.
	slots chan struct{}
}

// New returns a client. It does not log in until the first call.
func New(opts Options, log *zap.Logger) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = 25 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	if opts.InsecureTLS {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // opt-in for self-signed billing hosts
	}
	c := &Client{
		opts: opts,
		http: &http.Client{Timeout: opts.Timeout, Transport: transport},
		log:  log,
	}
	if opts.MaxConcurrent > 0 {
		c.slots = make(chan struct{}, opts.MaxConcurrent)
	}
	return c
}

// Call sends one API call with the session and decodes the success body
// into out (which may be nil). A session fault leads to one new login and
// one resend. Errors are *Fault or *TransportError.
func (c *Client) Call(ctx context.Context, method string, params, out any) error {
	start := time.Now()
	err := c.callWithSession(ctx, method, params, out)
	if c.opts.Observe != nil {
		c.opts.Observe(method, time.Since(start), err)
	}
	return err
}

func (c *Client) callWithSession(ctx context.Context, method string, params, out any) error {
	token, gen, err := c.session(ctx)
	if err != nil {
		return err
	}
	err = c.send(ctx, method, token, params, out)
	var f *Fault
	if !errors.As(err, &f) || !sessionFaults[f.Code] {
		return err
	}
	c.log.Info("billing session rejected, logging in again",
		zap.String("method", method), zap.String("fault_code", f.Code))
	token, err = c.relogin(ctx, gen)
	if err != nil {
		return err
	}
	return c.send(ctx, method, token, params, out)
}

// session returns the current token, logging in first when there is none.
func (c *Client) session(ctx context.Context) (string, uint64, error) {
	c.mu.Lock()
	token, gen := c.token, c.gen
	c.mu.Unlock()
	if token != "" {
		return token, gen, nil
	}
	token, err := c.relogin(ctx, gen)
	c.mu.Lock()
	gen = c.gen
	c.mu.Unlock()
	return token, gen, err
}

// relogin logs in once for all callers that saw the token of generation
// gen fail; callers arriving after the renewal get the new token at once.
// Billing blocks accounts that log in too often, so logins never overlap.
func (c *Client) relogin(ctx context.Context, gen uint64) (string, error) {
	c.mu.Lock()
	if c.gen != gen && c.token != "" {
		token := c.token
		c.mu.Unlock()
		return token, nil
	}
	c.mu.Unlock()

	v, err, _ := c.logins.Do("login", func() (any, error) {
		c.mu.Lock()
		if c.gen != gen && c.token != "" {
			token := c.token
			c.mu.Unlock()
			return token, nil
		}
		c.mu.Unlock()
		// The login outlives the caller that started it: other callers
		// wait on it too.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
		defer cancel()
		token, err := c.login(lctx)
		if err != nil {
			return "", err
		}
		c.mu.Lock()
		c.token = token
		c.gen++
		c.mu.Unlock()
		return token, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

type loginResult struct {
	AccessToken string `json:"access_token"`
	SessionID   string `json:"session_id"`
}

func (c *Client) login(ctx context.Context) (string, error) {
	var res loginResult
	params := map[string]string{"login": c.opts.Login, "password": c.opts.Password}
	if err := c.send(ctx, "Session.login", "", params, &res); err != nil {
		return "", err
	}
	if res.AccessToken == "" {
		return "", &TransportError{Method: "Session.login",
			Err: errors.New("login response has no access_token")}
	}
	c.log.Info("logged in to billing", zap.String("billing_login", c.opts.Login))
	return res.AccessToken, nil
}

// send performs one HTTP exchange. method is "Service.method".
func (c *Client) send(ctx context.Context, method, token string, params, out any) error {
	service, name, ok := strings.Cut(method, ".")
	if !ok {
		return fmt.Errorf("billing method %q is not Service.method", method)
	}
	if params == nil {
		params = struct{}{}
	}
	body, err := json.Marshal(map[string]any{"params": params})
	if err != nil {
		return fmt.Errorf("encode %s params: %w", method, err)
	}
	url := strings.TrimRight(c.opts.BaseURL, "/") + "/rest/" + service + "/" + name
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build %s request: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
			defer func() { <-c.slots }()
		case <-ctx.Done():
			return fmt.Errorf("wait for a free billing connection for %s: %w", method, ctx.Err())
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Method: method, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return &TransportError{Method: method, Status: resp.StatusCode, Err: err}
	}
	return decodeAnswer(method, resp.StatusCode, data, out)
}

// decodeAnswer turns one HTTP response into a result, a Fault or a
// TransportError. Only a JSON fault envelope on a 500 is a Fault: a proxy's
// HTML page on any status is transport trouble and never a business error.
func decodeAnswer(method string, status int, data []byte, out any) error {
	switch {
	case status == http.StatusOK:
		if !json.Valid(data) {
			return &TransportError{Method: method, Status: status,
				Err: errors.New("response is not JSON")}
		}
		if err := checkSuccessFlag(data); err != nil {
			return &TransportError{Method: method, Status: status, Err: err}
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return &TransportError{Method: method, Status: status,
				Err: fmt.Errorf("decode response: %w", err)}
		}
		return nil
	case status == http.StatusInternalServerError:
		var env struct {
			FaultCode   string `json:"faultcode"`
			FaultString string `json:"faultstring"`
		}
		if err := json.Unmarshal(data, &env); err != nil || env.FaultCode == "" {
			return &TransportError{Method: method, Status: status,
				Err: errors.New("500 without a fault envelope")}
		}
		return &Fault{Method: method, Code: env.FaultCode, Message: env.FaultString}
	default:
		return &TransportError{Method: method, Status: status,
			Err: fmt.Errorf("unexpected response %q", snippet(data))}
	}
}

// checkSuccessFlag rejects {"success": 0}, which action methods use for
// "not done".
func checkSuccessFlag(data []byte) error {
	var flag struct {
		Success *Int `json:"success"`
	}
	if json.Unmarshal(data, &flag) == nil && flag.Success != nil && *flag.Success == 0 {
		return errors.New(`response is {"success": 0}`)
	}
	return nil
}

func snippet(data []byte) string {
	const max = 120
	s := strings.Join(strings.Fields(string(data)), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
