package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AdminClient calls the /_emulator/ control API of a running emulator.
// BaseURL is the emulator root, e.g. http://127.0.0.1:8090. A nil HTTP
// uses a client with a 30-second timeout.
type AdminClient struct {
	BaseURL string
	HTTP    *http.Client
}

var defaultAdminHTTP = &http.Client{Timeout: 30 * time.Second}

// State returns a dump of all customers, accounts and extensions.
func (c *AdminClient) State(ctx context.Context) (*State, error) {
	var state State
	if err := c.do(ctx, http.MethodGet, "state", nil, &state); err != nil {
		return nil, err
	}
	return &state, nil
}

// Reset wipes the state, the fault rules, the journal and the session
// knobs; users and open sessions stay.
func (c *AdminClient) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "reset", nil, nil)
}

// AddFault adds a fault rule and returns its id.
func (c *AdminClient) AddFault(ctx context.Context, rule FaultRule) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "faults", rule, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// Faults lists the fault rules with how often each matched and fired.
func (c *AdminClient) Faults(ctx context.Context) ([]FaultRuleStatus, error) {
	var out []FaultRuleStatus
	if err := c.do(ctx, http.MethodGet, "faults", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFault removes one fault rule by id.
func (c *AdminClient) DeleteFault(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "faults/"+url.PathEscape(id), nil, nil)
}

// ClearFaults removes every fault rule.
func (c *AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "faults", nil, nil)
}

// Calls returns the call journal in arrival order.
func (c *AdminClient) Calls(ctx context.Context) ([]Call, error) {
	var out []Call
	if err := c.do(ctx, http.MethodGet, "calls", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExpireSessions ends every session now.
func (c *AdminClient) ExpireSessions(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "sessions/expire", ExpireRequest{}, nil)
}

// ExpireSessionsAfter ends every session after the next n authenticated
// calls.
func (c *AdminClient) ExpireSessionsAfter(ctx context.Context, n int) error {
	return c.do(ctx, http.MethodPost, "sessions/expire", ExpireRequest{AfterCalls: n}, nil)
}

// SetLoginPolicy blocks or rate-limits logins.
func (c *AdminClient) SetLoginPolicy(ctx context.Context, p LoginPolicy) error {
	return c.do(ctx, http.MethodPost, "sessions/login_policy", p, nil)
}

// do sends one admin request and decodes a 200 response into out.
func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	target := strings.TrimSuffix(c.BaseURL, "/") + AdminPrefix + path
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, target, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	client := c.HTTP
	if client == nil {
		client = defaultAdminHTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s %s: %w", method, target, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %s", method, target, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, target, err)
	}
	return nil
}
