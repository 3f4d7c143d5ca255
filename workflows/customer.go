package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
)

// Steps of a customer, in the order they run. Undo runs in reverse.
const (
	StepBegin      = "begin"
	StepCustomer   = "customer"
	StepAccounts   = "accounts"
	StepAlias      = "alias"
	StepDisplay    = "display"
	StepExtensions = "extensions"
)

// ErrorTypeCustomerFailed is the application error type of a customer
// workflow whose saga failed; its details hold the CustomerResult.
const ErrorTypeCustomerFailed = "CustomerFailed"

// CustomerInput names the row to create. The row itself, secrets
// included, stays in the store.
type CustomerInput struct {
	BatchID string
	Index   int
	// Total is the batch size, for progress text.
	Total int
	// Attempt counts attempts at this row, starting at 1.
	Attempt int
	// RowVersion selects a corrected row stored with a retry; 0 is the
	// row as accepted.
	RowVersion int `json:",omitempty"`
	// Login and Name are the row's, when the batch workflow started the
	// customer with them as search attribute and memo already.
	Login string `json:",omitempty"`
	Name  string `json:",omitempty"`
	// RowNames marks a customer started by a batch workflow with the
	// row-names change, which sets Login and Name. Begin and Finish then
	// run locally without a workflow.GetVersion marker, which would cost a
	// search attribute update. CustomerStatus is set only when the
	// customer ends without being created.
	RowNames bool `json:",omitempty"`
}

// CustomerResult is the outcome of an attempt: every billing record it
// created, or the step that failed and the billing fault.
type CustomerResult struct {
	BatchID    string
	Index      int
	WorkflowID string
	Login      string
	Name       string
	Status     string
	ICustomer  int64                     `json:",omitempty"`
	Accounts   []activities.AccountRef   `json:",omitempty"`
	Alias      *activities.AliasResult   `json:",omitempty"`
	Display    bool                      `json:",omitempty"`
	Extensions []activities.ExtensionRef `json:",omitempty"`
	FailedStep string                    `json:",omitempty"`
	Error      *StepError                `json:",omitempty"`
	// RolledBack lists the undone steps, in the order they were undone.
	RolledBack []string `json:",omitempty"`
	// Leftovers lists the steps whose undo failed: their records may
	// still be in billing.
	Leftovers []string `json:",omitempty"`
	// Ignored lists request fields that have no billing counterpart.
	Ignored []string `json:",omitempty"`
	// RowVersion is the row version this attempt used.
	RowVersion int `json:",omitempty"`
}

// StepError is the failure of one step.
type StepError struct {
	// Type is the activity error type, such as Conflict or Invalid.
	Type    string
	Method  string `json:",omitempty"`
	Code    string `json:",omitempty"`
	Message string
}

type undoStep struct {
	step string
	run  func(workflow.Context) error
}

type customerRun struct {
	in    CustomerInput
	ref   activities.CustomerRef
	res   CustomerResult
	undos []undoStep
	log   log.Logger
	// lastStatus is the CustomerStatus search attribute last set.
	lastStatus string
	// local runs Begin and Finish as local activities.
	local bool
}

// Customer creates one customer in billing: the customer, its accounts,
// the alias number, the display name and number, then the extensions, one
// activity per step. Every step is idempotent, keyed by the row's creation
// mark, so retries and replays never create twice.
//
// When a step fails for a business reason, or the batch is cancelled, the
// steps already started are undone in reverse order in a context that
// cancellation cannot reach. The workflow then fails with a CustomerFailed
// application error, or ends cancelled. In both cases the error details
// hold the CustomerResult, which is also written to the store.
func Customer(ctx workflow.Context, in CustomerInput) (CustomerResult, error) {
	key := CustomerKey(in.BatchID, in.Index)
	c := &customerRun{
		in:  in,
		ref: activities.CustomerRef{BatchID: in.BatchID, Index: in.Index, Mark: key, Version: in.RowVersion},
		res: CustomerResult{
			BatchID: in.BatchID, Index: in.Index, RowVersion: in.RowVersion,
			WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		},
		log: log.With(workflow.GetLogger(ctx), "batch_id", in.BatchID, "customer_index", in.Index),
		// The parent starts the child with this status already set.
		lastStatus: store.StatusRunning,
	}

	c.local = in.RowNames ||
		workflow.GetVersion(ctx, changeLocalBookkeeping, workflow.DefaultVersion, 1) == 1
	err := c.forward(workflow.WithActivityOptions(ctx, forwardOptions))
	cancelled := ctx.Err() != nil
	if err == nil {
		c.res.Status = store.StatusCreated
	} else {
		c.compensate(ctx, err, cancelled)
	}
	c.finish(ctx)
	c.publish(ctx, "")

	switch {
	case c.res.Status == store.StatusCreated:
		c.log.Info("customer created", "login", c.res.Login)
		return c.res, nil
	case cancelled:
		return c.res, temporal.NewCanceledError(c.res)
	}
	msg := fmt.Sprintf("customer %d failed at step %s", in.Index, c.res.FailedStep)
	if c.res.Error != nil {
		msg += ": " + c.res.Error.Message
	}
	return c.res, temporal.NewNonRetryableApplicationError(msg, ErrorTypeCustomerFailed, nil, c.res)
}

// forward runs the steps. Each undo is registered before its step runs:
// a step that timed out may still have created its record, and the undo
// finds it by natural key. A cancelled customer starts no further step.
func (c *customerRun) forward(ctx workflow.Context) error {
	c.res.FailedStep = StepBegin
	c.publish(ctx, "loading the row")
	var begin activities.BeginResult
	beginIn := activities.BeginInput{CustomerRef: c.ref, WorkflowID: c.res.WorkflowID}
	if err := c.bookkeeping(ctx, "load row and mark it running", acts.Begin, beginIn).Get(ctx, &begin); err != nil {
		return err
	}
	c.res.Login, c.res.Name, c.res.Ignored = begin.Login, begin.Name, begin.Ignored
	c.announceLogin(ctx)
	ids, err := drawAccountIDs(ctx, begin.Accounts)
	if err != nil {
		return err
	}

	c.res.FailedStep = StepCustomer
	if err := ctx.Err(); err != nil {
		return err
	}
	c.onUndo(StepCustomer, func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, acts.RemoveCustomer, c.ref).Get(ctx, nil)
	})
	c.publish(ctx, "creating the customer")
	var cust activities.CreateCustomerResult
	actx := withSummary(ctx, "create customer "+c.res.Name)
	if err := workflow.ExecuteActivity(actx, acts.CreateCustomer, c.ref).Get(ctx, &cust); err != nil {
		return err
	}
	c.res.ICustomer = cust.ICustomer

	c.res.FailedStep = StepAccounts
	if err := ctx.Err(); err != nil {
		return err
	}
	c.onUndo(StepAccounts, func(ctx workflow.Context) error {
		in := activities.TerminateAccountsInput{CustomerRef: c.ref, IDs: ids}
		return workflow.ExecuteActivity(ctx, acts.TerminateAccounts, in).Get(ctx, nil)
	})
	c.publish(ctx, "creating accounts")
	var accs activities.CreateAccountsResult
	in := activities.CreateAccountsInput{CustomerRef: c.ref, ICustomer: cust.ICustomer, IDs: ids}
	actx = withSummary(ctx, fmt.Sprintf("create %d account(s): %s", len(ids), strings.Join(ids, ", ")))
	if err := workflow.ExecuteActivity(actx, acts.CreateAccounts, in).Get(ctx, &accs); err != nil {
		return err
	}
	c.res.Accounts = accs.Accounts

	if begin.Alias != "" {
		if err := c.addAlias(ctx); err != nil {
			return err
		}
	}
	if begin.Display {
		if err := c.setDisplay(ctx); err != nil {
			return err
		}
	}
	if begin.Extensions > 0 {
		if err := c.addExtensions(ctx); err != nil {
			return err
		}
	}
	c.res.FailedStep = ""
	return nil
}

func (c *customerRun) addAlias(ctx workflow.Context) error {
	c.res.FailedStep = StepAlias
	if err := ctx.Err(); err != nil {
		return err
	}
	c.onUndo(StepAlias, func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, acts.RemoveAlias, c.ref).Get(ctx, nil)
	})
	c.publish(ctx, "adding the alias number")
	var alias activities.AliasResult
	in := activities.AliasInput{CustomerRef: c.ref, IMasterAccount: c.res.Accounts[0].IAccount}
	actx := withSummary(ctx, "add alias to account "+c.res.Accounts[0].ID)
	if err := workflow.ExecuteActivity(actx, acts.AddAlias, in).Get(ctx, &alias); err != nil {
		return err
	}
	c.res.Alias = &alias
	return nil
}

// setDisplay has no undo of its own: the display settings live on
// accounts that this customer created, and undoing the accounts
// terminates them.
func (c *customerRun) setDisplay(ctx workflow.Context) error {
	c.res.FailedStep = StepDisplay
	if err := ctx.Err(); err != nil {
		return err
	}
	in := activities.DisplayInput{CustomerRef: c.ref}
	for _, a := range c.res.Accounts {
		in.Accounts = append(in.Accounts, a.IAccount)
	}
	c.publish(ctx, "setting the display name and number")
	actx := withSummary(ctx, "set display name and number")
	if err := workflow.ExecuteActivity(actx, acts.SetDisplay, in).Get(ctx, nil); err != nil {
		return err
	}
	c.res.Display = true
	return nil
}

func (c *customerRun) addExtensions(ctx workflow.Context) error {
	c.res.FailedStep = StepExtensions
	if err := ctx.Err(); err != nil {
		return err
	}
	c.onUndo(StepExtensions, func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, acts.RemoveExtensions, c.ref).Get(ctx, nil)
	})
	c.publish(ctx, "adding extensions")
	var exts activities.ExtensionsResult
	in := activities.ExtensionsInput{CustomerRef: c.ref, ICustomer: c.res.ICustomer, Accounts: c.res.Accounts}
	actx := withSummary(ctx, "add extensions")
	if err := workflow.ExecuteActivity(actx, acts.AddExtensions, in).Get(ctx, &exts); err != nil {
		return err
	}
	c.res.Extensions = exts.Extensions
	return nil
}

func (c *customerRun) onUndo(step string, run func(workflow.Context) error) {
	c.undos = append(c.undos, undoStep{step: step, run: run})
}

// compensate records the failure and undoes the registered steps in
// reverse order. The undo context is disconnected from the workflow's, so
// that a cancelled batch still rolls back.
func (c *customerRun) compensate(ctx workflow.Context, cause error, cancelled bool) {
	c.res.Error = stepError(cause)
	c.log.Warn("customer step failed, rolling back",
		"login", c.res.Login, "step", c.res.FailedStep, "error", cause)

	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithActivityOptions(dctx, undoOptions)
	for i := len(c.undos) - 1; i >= 0; i-- {
		u := c.undos[i]
		c.publish(dctx, "rolling back: undoing "+u.step)
		if err := u.run(withSummary(dctx, "undo "+u.step)); err != nil {
			c.log.Error("undo step failed", "login", c.res.Login, "step", u.step, "error", err)
			c.res.Leftovers = append(c.res.Leftovers, u.step)
			continue
		}
		c.res.RolledBack = append(c.res.RolledBack, u.step)
	}

	switch {
	case len(c.res.Leftovers) > 0:
		c.res.Status = store.StatusRollbackFailed
	case cancelled:
		c.res.Status = store.StatusRolledBack
	default:
		c.res.Status = store.StatusFailed
	}
}

// bookkeeping runs a store-only activity: locally for customers started
// since changeLocalBookkeeping, as a regular activity with the short
// bookkeeping timeout for older ones.
func (c *customerRun) bookkeeping(ctx workflow.Context, summary string, activity, in any) workflow.Future {
	if c.local {
		opts := localOptions
		opts.Summary = summary
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, opts), activity, in)
	}
	return workflow.ExecuteActivity(withSummary(workflow.WithActivityOptions(ctx, bookkeepingOptions), summary), activity, in)
}

// finish writes the outcome to the store, also after a cancel.
func (c *customerRun) finish(ctx workflow.Context) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithActivityOptions(dctx, bookkeepingOptions)
	data, err := json.Marshal(c.res)
	if err != nil {
		c.log.Error("encode customer result", "error", err)
		return
	}
	in := activities.FinishInput{BatchID: c.in.BatchID, Index: c.in.Index, WorkflowID: c.res.WorkflowID,
		Status: c.res.Status, Result: data}
	if err := c.bookkeeping(dctx, "record the outcome", acts.Finish, in).Get(dctx, nil); err != nil {
		c.log.Error("record customer outcome", "error", err)
	}
}

// stepError extracts the activity error type and billing fault.
func stepError(err error) *StepError {
	se := &StepError{Message: err.Error()}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		se.Type = appErr.Type()
		se.Message = appErr.Message()
		var f activities.Fault
		if appErr.HasDetails() && appErr.Details(&f) == nil {
			se.Method, se.Code = f.Method, f.Code
			if f.Message != "" {
				se.Message = f.Message
			}
		}
		return se
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		se.Type, se.Message = "Cancelled", "the batch was cancelled"
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		se.Type = "Timeout"
	}
	return se
}

// drawAccountIDs returns the id of every account, drawing the random
// digits of generated ids once. SideEffect records them in history, so
// every later attempt and every replay uses the same ids.
func drawAccountIDs(ctx workflow.Context, slots []activities.AccountSlot) ([]string, error) {
	var ids []string
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		out := make([]string, len(slots))
		for i, s := range slots {
			if s.ID != "" {
				out[i] = s.ID
				continue
			}
			id, err := wire.GenerateAccountID(s.Prefix, s.Digits, nil)
			if err != nil {
				// Validation allows only digit counts that succeed, so
				// this is a broken row: an empty id fails the accounts
				// step as invalid.
				id = ""
			}
			out[i] = id
		}
		return out
	}).Get(&ids)
	if err != nil {
		return nil, fmt.Errorf("draw account ids: %w", err)
	}
	return ids, nil
}
