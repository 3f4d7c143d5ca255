// Package activities holds the Temporal activities that create one
// customer in PortaBilling and undo it, plus the bookkeeping activities
// that keep the claim-check store up to date.
//
// Every create is an "ensure": it looks the object up by its natural key
// first and adopts what it finds only when the record carries this
// customer's creation mark, so a retried activity never creates a second
// object. A record made by anyone else fails the step with a Conflict, and
// no undo ever touches it. Every undo treats "already gone" as done.
package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/store"
)

// Activities are registered with the worker as one struct; workflows
// refer to its methods through a typed nil pointer.
type Activities struct {
	Billing *billing.Client
	Store   store.Store
	Metrics Metrics
	// Webhook, when its URL is set, receives an event when a batch ends.
	Webhook Webhook

	plansOnce sync.Once
	plans     *lru.Cache[planKey, *provision.Plan]
}

// planCacheSize is how many mapped rows a worker keeps. Every step of a
// customer maps the same row, and a row version never changes once
// stored, so the steps after the first skip the store read. A few
// thousand rows of a few KB each suit the window of any one worker.
const planCacheSize = 4096

// planKey names one version of one row.
type planKey struct {
	batchID        string
	index, version int
}

// Metrics receives the service's own counters. A nil Metrics counts
// nothing.
type Metrics interface {
	CustomerFinished(status string)
}

// CustomerRef names one row of one batch and the mark that its billing
// records carry.
type CustomerRef struct {
	BatchID string
	Index   int
	// Mark is written into the note of every record created for this
	// row. It stays the same across retries of the row, so that a retry
	// adopts what an earlier attempt left.
	Mark string
	// Version selects a corrected row stored with a retry; 0 is the row
	// as accepted.
	Version int `json:",omitempty"`
}

// plan loads and maps the row. A missing row cannot get better with
// retries, so it is non-retryable.
func (a *Activities) plan(ctx context.Context, ref CustomerRef) (*provision.Plan, error) {
	a.plansOnce.Do(func() {
		a.plans, _ = lru.New[planKey, *provision.Plan](planCacheSize)
	})
	key := planKey{ref.BatchID, ref.Index, ref.Version}
	if p, ok := a.plans.Get(key); ok {
		return p, nil
	}

	row, err := a.Store.Row(ctx, ref.BatchID, ref.Index, ref.Version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("customer %d (row version %d) of batch %s is not in the store",
			ref.Index, ref.Version, ref.BatchID)
	}
	if err != nil {
		return nil, fmt.Errorf("load row: %w", err)
	}
	data, err := provision.DecodeRow(row.Data)
	if err != nil {
		return nil, invalid("customer %d of batch %s: %v", ref.Index, ref.BatchID, err)
	}
	p, err := provision.Build(data)
	if err != nil {
		return nil, invalid("customer %d of batch %s: %v", ref.Index, ref.BatchID, err)
	}
	a.plans.Add(key, p)
	return p, nil
}

// logger returns the SDK's activity logger, which already carries the
// workflow and activity ids, with the row's keys added.
func logger(ctx context.Context, ref CustomerRef) log.Logger {
	return log.With(activity.GetLogger(ctx), "batch_id", ref.BatchID, "customer_index", ref.Index)
}

// AccountSlot describes one account to create: its id when the request
// gives one, otherwise how the workflow draws it.
type AccountSlot struct {
	ID     string
	Prefix string
	Digits int
}

// BeginInput starts one attempt at a customer.
type BeginInput struct {
	CustomerRef
	WorkflowID string
}

// BeginResult is the non-secret outline of the customer's plan that the
// workflow needs to choose its steps.
type BeginResult struct {
	Login      string
	Name       string
	Accounts   []AccountSlot
	Alias      string
	Display    bool
	Extensions int
	Ignored    []string
}

// Begin marks the row running and returns its outline. A row that is not
// in the store or cannot be mapped fails with Invalid.
func (a *Activities) Begin(ctx context.Context, in BeginInput) (BeginResult, error) {
	p, err := a.plan(ctx, in.CustomerRef)
	if err != nil {
		return BeginResult{}, err
	}
	if err := a.Store.StartCustomer(ctx, in.BatchID, in.Index, in.WorkflowID); err != nil {
		return BeginResult{}, fmt.Errorf("mark customer running: %w", err)
	}
	out := BeginResult{
		Login: p.Login, Name: p.Name, Alias: p.Alias,
		Display: p.Display != nil, Extensions: len(p.Extensions), Ignored: p.Ignored,
	}
	for _, acc := range p.Accounts {
		out.Accounts = append(out.Accounts, AccountSlot{ID: acc.ID, Prefix: acc.Prefix, Digits: acc.Digits})
	}
	logger(ctx, in.CustomerRef).Info("customer started",
		"login", p.Login, "accounts", len(p.Accounts))
	return out, nil
}

// RowNamesInput names rows about to start: each index with its row
// version.
type RowNamesInput struct {
	BatchID  string
	Indexes  []int
	Versions []int // parallel to Indexes, where 0 is the row as accepted
}

// RowName is a row's login and customer name.
type RowName struct {
	Login string `json:",omitempty"`
	Name  string `json:",omitempty"`
}

// RowNames returns the login and name of each row, in the order of Indexes.
// The batch workflow starts customers with them already searchable, which
// spares each customer a search attribute and memo update of its own.
func (a *Activities) RowNames(ctx context.Context, in RowNamesInput) ([]RowName, error) {
	out := make([]RowName, len(in.Indexes))
	for i, index := range in.Indexes {
		version := 0
		if i < len(in.Versions) {
			version = in.Versions[i]
		}
		p, err := a.plan(ctx, CustomerRef{BatchID: in.BatchID, Index: index, Version: version})
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			// A missing or unreadable row: the customer itself fails on
			// it, with the error in its result, so only the name is
			// left out here.
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = RowName{Login: p.Login, Name: p.Name}
	}
	return out, nil
}

// FinishInput records how an attempt ended.
type FinishInput struct {
	BatchID    string
	Index      int
	WorkflowID string
	Status     string
	// Result is the customer workflow's result as JSON.
	Result []byte
}

// Finish records the customer's final status and result in the store.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	if err := a.Store.FinishCustomer(ctx, in.BatchID, in.Index, in.WorkflowID, in.Status, in.Result); err != nil {
		return fmt.Errorf("record customer outcome: %w", err)
	}
	if a.Metrics != nil {
		a.Metrics.CustomerFinished(in.Status)
	}
	return nil
}

// SetBatchStateInput records a batch state.
type SetBatchStateInput struct {
	BatchID string
	State   string
	// Reason is the cause of a pause.
	Reason string `json:",omitempty"`
}

// SetBatchState records the batch's state in the store.
func (a *Activities) SetBatchState(ctx context.Context, in SetBatchStateInput) error {
	return a.Store.SetBatchState(ctx, in.BatchID, in.State, in.Reason)
}

// SkipPending marks every customer of the batch that never started as
// skipped, and returns how many there were.
func (a *Activities) SkipPending(ctx context.Context, batchID string) (int, error) {
	return a.Store.SkipPending(ctx, batchID)
}

// retried reports whether an earlier attempt of this activity may have
// reached billing. Only then is a lookup before each create worth its round
// trip: on a first attempt the create itself finds a record that exists,
// by failing as a duplicate, and the lookup after that shows whose it is.
func retried(ctx context.Context) bool {
	return activity.GetInfo(ctx).Attempt > 1
}
