// Package store keeps accepted batches outside Temporal histories (the
// claim-check pattern): the parsed rows, secrets included, and each
// customer's status and result. Workflows carry only a batch id and row
// indexes; activities read rows here and write outcomes back, and the HTTP
// endpoint reports from here while a batch runs.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound reports a batch or row that the store does not have.
var ErrNotFound = errors.New("not found")

// Customer statuses, as stored and reported.
const (
	StatusPending        = "pending"
	StatusRunning        = "running"
	StatusCreated        = "created"
	StatusFailed         = "failed"
	StatusRolledBack     = "rolled_back"
	StatusRollbackFailed = "rollback_failed"
	StatusSkipped        = "skipped"
)

// Batch states, as stored and reported.
const (
	StateAccepted            = "accepted"
	StateRunning             = "running"
	StatePaused              = "paused"
	StateCompleted           = "completed"
	StateCompletedWithErrors = "completed_with_errors"
	StateCancelled           = "cancelled"
)

// Batch describes one accepted request.
type Batch struct {
	ID         string
	WorkflowID string
	// RequestHash is the SHA-256 of the canonical request. It separates a
	// resubmission from a different request under the same id.
	RequestHash string
	Total       int
	ResellerID  int64
	ProductID   int64
	State       string
	// StateReason is the cause of a pause, and "" otherwise.
	StateReason string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Row is one customer of a batch as accepted: an opaque JSON document that
// the activities decode, and the names used for reporting.
type Row struct {
	Index int
	Login string
	Name  string
	Data  json.RawMessage
}

// Attempt is one finished attempt at a row.
type Attempt struct {
	Attempt    int
	WorkflowID string
	Status     string
	Result     json.RawMessage
	FinishedAt time.Time
}

// CustomerRecord is a row's current status and latest result.
type CustomerRecord struct {
	Index      int
	Login      string
	Name       string
	Status     string
	Attempts   int
	WorkflowID string
	Result     json.RawMessage // the customer workflow's result; nil until it ends
	UpdatedAt  time.Time
}

// Store is the claim-check store. Every method is safe for concurrent use
// by several processes.
type Store interface {
	// CreateBatch saves a batch and its rows in one transaction. When the
	// id exists it changes nothing and returns the stored batch with
	// created false.
	CreateBatch(ctx context.Context, b Batch, rows []Row) (stored Batch, created bool, err error)
	// Batch returns the batch, or ErrNotFound.
	Batch(ctx context.Context, id string) (Batch, error)
	// SetBatchState records a batch state and, for a paused batch, why.
	SetBatchState(ctx context.Context, id, state, reason string) error
	// Row returns one row: version 0 as accepted, a higher version as
	// corrected for a retry. A missing row or version is ErrNotFound.
	Row(ctx context.Context, batchID string, index, version int) (Row, error)
	// AddRowVersion stores a corrected row for a retry and returns its
	// version number.
	AddRowVersion(ctx context.Context, batchID string, index int, data json.RawMessage) (int, error)
	// StartCustomer marks a row running under a workflow id and counts
	// the attempt.
	StartCustomer(ctx context.Context, batchID string, index int, workflowID string) error
	// FinishCustomer records the final status and result of the attempt
	// run by workflowID, and keeps it in the row's attempt history.
	FinishCustomer(ctx context.Context, batchID string, index int, workflowID, status string, result json.RawMessage) error
	// Attempts returns the finished attempts at a row, oldest first.
	Attempts(ctx context.Context, batchID string, index int) ([]Attempt, error)
	// SkipPending marks every row still pending as skipped and returns
	// how many it changed.
	SkipPending(ctx context.Context, batchID string) (int, error)
	// Customers returns the records with index >= offset, at most limit.
	Customers(ctx context.Context, batchID string, offset, limit int) ([]CustomerRecord, error)
	// Counts returns the number of rows in each status.
	Counts(ctx context.Context, batchID string) (map[string]int, error)
	// Close releases the store.
	Close() error
}
