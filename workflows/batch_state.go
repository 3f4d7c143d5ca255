package workflows

import (
	"fmt"
	"time"

	"github.com/portaplus2/batchcustomers/store"
)

// BatchInput starts a batch, or continues one after continue-as-new. The
// rows stay in the store; the input carries ids, settings and counters.
type BatchInput struct {
	BatchID string
	Total   int
	// Window is how many customers run at once.
	Window int
	// ChildrenPerRun is how many customers one run starts before it
	// continues as new.
	ChildrenPerRun int
	// ResellerID is shown in summaries; 0 when the batch names none.
	ResellerID int64
	// ErrorThreshold pauses the batch when too many customers fail.
	ErrorThreshold ErrorThreshold

	// The fields below carry a batch's state across continue-as-new.

	// Next is the index of the next customer that has not started yet.
	Next int
	// Outcomes has one status code per customer before Next (see
	// statusCodes), so the carried state stays near one byte a customer.
	Outcomes string
	// Attempts counts attempts of customers that were retried.
	Attempts map[int]int `json:",omitempty"`
	// Queue lists accepted retries that have not started yet.
	Queue []RetryItem `json:",omitempty"`
	// Paused stops new customers from starting. PauseReason gives the cause.
	Paused      bool   `json:",omitempty"`
	PauseReason string `json:",omitempty"`
	// ThresholdTripped records that the error threshold paused the batch
	// once, so that a resumed batch is not paused again for it.
	ThresholdTripped bool `json:",omitempty"`
	// StartedAt is when the batch's first run started.
	StartedAt time.Time
	// Restart marks a new run of an ended batch, started to take a retry.
	Restart bool `json:",omitempty"`
}

// ErrorThreshold pauses a batch once MinFinished customers have ended and
// more than MaxFailedPercent of them failed. A zero in either turns it off.
type ErrorThreshold struct {
	MinFinished      int     `json:",omitempty"`
	MaxFailedPercent float64 `json:",omitempty"`
}

// RetryItem is an accepted retry of one customer.
type RetryItem struct {
	Index int
	// Version is the row version to use: 0 is the row as accepted, higher
	// versions are corrections stored with the retry.
	Version int `json:",omitempty"`
	// Previous is the customer's status before the retry was queued.
	Previous string
}

// BatchResult lists every customer's final status.
type BatchResult struct {
	BatchID   string
	State     string
	Total     int
	Counts    map[string]int
	Customers []CustomerOutcome
}

// CustomerOutcome is one customer's final status and the workflow of its
// last attempt.
type CustomerOutcome struct {
	Index      int
	Status     string
	WorkflowID string
	Attempts   int `json:",omitempty"`
}

// ProgressRequest selects a page of customers for the progress query.
type ProgressRequest struct {
	Offset int
	// Limit is the page size; 0 means 100, and at most 1,000 are returned.
	Limit int
}

// Progress is the result of the progress query: the batch's state, counts
// by status, an estimate of when it ends, and one page of customers.
type Progress struct {
	BatchID     string
	State       string
	PauseReason string `json:",omitempty"`
	Total       int
	Counts      map[string]int
	StartedAt   time.Time
	// ETA is an estimate from the pace so far; nil until a customer ended
	// or once nothing is left to run.
	ETA       *time.Time `json:",omitempty"`
	Offset    int
	Customers []CustomerOutcome
}

// Statuses a customer has only inside a running batch.
const (
	statusQueued = "queued"
)

// statusCodes encode customer statuses in BatchInput.Outcomes.
var statusCodes = map[string]byte{
	store.StatusPending:        'p',
	store.StatusRunning:        'u',
	statusQueued:               'q',
	store.StatusCreated:        'c',
	store.StatusFailed:         'f',
	store.StatusRolledBack:     'r',
	store.StatusRollbackFailed: 'x',
	store.StatusSkipped:        's',
}

// statusOrder fixes the order in which statuses are walked: workflow code
// must not depend on map order.
var statusOrder = []string{
	store.StatusPending, store.StatusRunning, statusQueued, store.StatusCreated,
	store.StatusFailed, store.StatusRolledBack, store.StatusRollbackFailed, store.StatusSkipped,
}

func statusOf(code byte) string {
	for _, s := range statusOrder {
		if statusCodes[s] == code {
			return s
		}
	}
	return store.StatusPending
}

// retryable reports whether a customer in this status may be retried.
func retryable(status string) bool {
	return status == store.StatusFailed || status == store.StatusRollbackFailed
}

// counts returns the number of customers in each status.
func (b *batchRun) counts() map[string]int {
	out := map[string]int{}
	for _, code := range b.outcomes {
		out[statusOf(code)]++
	}
	return out
}

func (b *batchRun) status(i int) string { return statusOf(b.outcomes[i]) }

func (b *batchRun) setStatus(i int, status string) { b.outcomes[i] = statusCodes[status] }

func (b *batchRun) attempt(i int) int {
	if n := b.in.Attempts[i]; n > 0 {
		return n
	}
	return 1
}

// finished counts customers whose current attempt ended.
func finished(counts map[string]int) int {
	return counts[store.StatusCreated] + counts[store.StatusFailed] +
		counts[store.StatusRolledBack] + counts[store.StatusRollbackFailed] + counts[store.StatusSkipped]
}

// state names the batch's current state for reports and search.
func (b *batchRun) state() string {
	if b.ended != "" {
		return b.ended
	}
	if b.in.Paused {
		return store.StatePaused
	}
	return store.StateRunning
}

// checkThreshold pauses the batch when the error threshold is crossed.
func (b *batchRun) checkThreshold() {
	t := b.in.ErrorThreshold
	if t.MinFinished <= 0 || t.MaxFailedPercent <= 0 || b.in.ThresholdTripped || b.in.Paused {
		return
	}
	counts := b.counts()
	done := finished(counts)
	failed := counts[store.StatusFailed] + counts[store.StatusRollbackFailed]
	if done < t.MinFinished || float64(failed)*100 <= t.MaxFailedPercent*float64(done) {
		return
	}
	b.in.ThresholdTripped = true
	b.pause(fmt.Sprintf("%d of the first %d customers failed (%.0f%%), more than the %.0f%% threshold; "+
		"fix the cause, then resume or cancel the batch",
		failed, done, float64(failed)*100/float64(done), t.MaxFailedPercent))
}

// progress builds the progress query's result.
func (b *batchRun) progress(now time.Time, req ProgressRequest) Progress {
	counts := b.counts()
	p := Progress{
		BatchID: b.in.BatchID, State: b.state(), PauseReason: b.in.PauseReason,
		Total: b.in.Total, Counts: counts, StartedAt: b.in.StartedAt, Offset: req.Offset,
	}
	done := finished(counts)
	if left := b.in.Total - done; done > 0 && left > 0 && !b.in.Paused {
		perCustomer := now.Sub(b.in.StartedAt) / time.Duration(done)
		eta := now.Add(perCustomer * time.Duration(left))
		p.ETA = &eta
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	for i := max(req.Offset, 0); i < b.in.Total && len(p.Customers) < limit; i++ {
		p.Customers = append(p.Customers, b.outcome(i))
	}
	return p
}

func (b *batchRun) outcome(i int) CustomerOutcome {
	attempt := b.attempt(i)
	return CustomerOutcome{
		Index: i, Status: b.status(i), Attempts: attempt,
		WorkflowID: CustomerWorkflowID(b.in.BatchID, i, attempt),
	}
}

func (b *batchRun) result(state string) BatchResult {
	res := BatchResult{BatchID: b.in.BatchID, Total: b.in.Total, Counts: b.counts(), State: state}
	for i := range b.outcomes {
		res.Customers = append(res.Customers, b.outcome(i))
	}
	return res
}

// summary is the batch's line in the Temporal UI.
func summary(in BatchInput) string {
	s := fmt.Sprintf("Batch %s: %d customers", in.BatchID, in.Total)
	if in.ResellerID != 0 {
		s += fmt.Sprintf(", reseller %d", in.ResellerID)
	}
	return s
}

// details is the batch's current-details text in the Temporal UI.
func (b *batchRun) details(now time.Time) string {
	p := b.progress(now, ProgressRequest{Limit: 1})
	done := finished(p.Counts)
	s := fmt.Sprintf("**%s**: %d of %d customers done (%d created, %d failed), %d running",
		p.State, done, p.Total, p.Counts[store.StatusCreated],
		p.Counts[store.StatusFailed]+p.Counts[store.StatusRollbackFailed], p.Counts[store.StatusRunning])
	if p.PauseReason != "" {
		s += "\n\nPaused: " + p.PauseReason
	}
	if p.ETA != nil {
		s += fmt.Sprintf("\n\nEstimated end: %s", p.ETA.UTC().Format(time.RFC3339))
	}
	return s
}

// RestartInput builds the input of a new run for a batch whose workflow
// has ended, from the statuses and attempt counts the store recorded, so
// that a retry of an ended batch starts from every customer as it was.
func RestartInput(batchID string, resellerID int64, statuses []string, attempts []int) BatchInput {
	outcomes := make([]byte, len(statuses))
	in := BatchInput{BatchID: batchID, Total: len(statuses), ResellerID: resellerID, Next: len(statuses),
		Attempts: map[int]int{}, Restart: true}
	for i, s := range statuses {
		code, ok := statusCodes[s]
		if !ok {
			code = statusCodes[store.StatusPending]
		}
		outcomes[i] = code
		if i < len(attempts) && attempts[i] > 1 {
			in.Attempts[i] = attempts[i]
		}
	}
	in.Outcomes = string(outcomes)
	return in
}

// Retryable reports whether a customer in this status may be retried.
func Retryable(status string) bool { return retryable(status) }
