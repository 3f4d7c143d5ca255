package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
)

// Webhook is the receiver of the service's reports on finished batches.
type Webhook struct {
	// URL receives a POST with a CompletionEvent; "" sends nothing.
	URL string
	// Secret signs each body; the signature is the hex HMAC-SHA256 of the
	// body in the X-Batch-Signature header, prefixed with "sha256=".
	Secret string
	// HTTP sends the requests; nil uses a client with a 30 s timeout.
	HTTP *http.Client
}

// SignatureHeader carries the HMAC of a webhook body.
const SignatureHeader = "X-Batch-Signature"

// NotifyInput describes a batch that ended.
type NotifyInput struct {
	BatchID string
	State   string
	Total   int
	Counts  map[string]int
}

// CompletionEvent is the JSON body of the completion webhook.
type CompletionEvent struct {
	Event      string         `json:"event"`
	BatchID    string         `json:"batch_id"`
	WorkflowID string         `json:"workflow_id"`
	State      string         `json:"state"`
	Total      int            `json:"total"`
	Counts     map[string]int `json:"counts"`
	FinishedAt time.Time      `json:"finished_at"`
}

// Sign returns the signature header value of body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// NotifyCompletion posts the batch's final state and counts to the
// webhook. Any status but 2xx, and any transport error, is retried, so the
// event is delivered at least once. Receivers deduplicate by batch_id.
func (a *Activities) NotifyCompletion(ctx context.Context, in NotifyInput) error {
	if a.Webhook.URL == "" {
		return nil
	}
	ev := CompletionEvent{
		Event: "batch.finished", BatchID: in.BatchID, WorkflowID: activity.GetInfo(ctx).WorkflowExecution.ID,
		State: in.State, Total: in.Total, Counts: in.Counts, FinishedAt: time.Now().UTC(),
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode completion event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return invalid("webhook URL %q is unusable: %v", a.Webhook.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Batch-Id", in.BatchID)
	if a.Webhook.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(a.Webhook.Secret, body))
	}
	hc := a.Webhook.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("send completion webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("completion webhook returned status %d", resp.StatusCode)
	}
	activity.GetLogger(ctx).Info("completion webhook delivered", "batch_id", in.BatchID, "state", in.State)
	return nil
}
