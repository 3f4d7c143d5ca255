// Package workflows holds the batch workflow, which fans one request out
// into one child workflow per customer, and the customer workflow, a saga
// that creates the customer in PortaBilling step by step and undoes the
// steps in reverse order when one fails or the batch is cancelled.
package workflows

import (
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/temporal"
)

// Workflow type names, as registered and as shown in the Temporal UI.
const (
	BatchWorkflowType    = "BatchWorkflow"
	CustomerWorkflowType = "CustomerWorkflow"
)

// DefaultTaskQueue is the task queue of both workflows and all
// activities unless configured otherwise.
const DefaultTaskQueue = "batch-customers"

// Defaults of the batch fan-out.
const (
	// DefaultWindow is how many customers run at once. It matches the
	// concurrency PortaBilling clients commonly use: more gives no speed.
	DefaultWindow = 20
	// DefaultChildrenPerRun bounds the children one batch run starts
	// before it continues as new. Each child adds about eight events to
	// the parent's history, so 500 keep a run near 4,000 events, well
	// below Temporal's 51,200-event limit.
	DefaultChildrenPerRun = 500
)

const batchPrefix = "batch-"

// BatchWorkflowID returns the workflow id of a batch.
func BatchWorkflowID(batchID string) string { return batchPrefix + batchID }

// ParseBatchWorkflowID returns the batch id of a batch workflow id.
func ParseBatchWorkflowID(workflowID string) (string, bool) {
	id, ok := strings.CutPrefix(workflowID, batchPrefix)
	return id, ok && id != "" && !strings.Contains(id, "-customer-")
}

// CustomerKey names one row of a batch. It is the workflow id of the
// row's first attempt and the creation mark on its billing records.
func CustomerKey(batchID string, index int) string {
	return fmt.Sprintf("%s%s-customer-%d", batchPrefix, batchID, index)
}

// CustomerWorkflowID returns the workflow id of an attempt at a row.
// Attempts after the first get an "-a<n>" suffix, so that no attempt
// reuses the id of an earlier one.
func CustomerWorkflowID(batchID string, index, attempt int) string {
	if attempt <= 1 {
		return CustomerKey(batchID, index)
	}
	return CustomerKey(batchID, index) + "-a" + strconv.Itoa(attempt)
}

// Names of the batch workflow's query, update and signals.
const (
	// QueryProgress returns a Progress for a ProgressRequest.
	QueryProgress = "progress"
	// UpdateRetryCustomers retries failed customers (RetryRequest in,
	// RetryResult out); its validator rejects bad requests before anything
	// reaches the history.
	UpdateRetryCustomers = "RetryCustomers"
	// SignalPause stops new customers from starting (PauseRequest).
	SignalPause = "pause"
	// SignalResume lets a paused batch go on.
	SignalResume = "resume"
)

// ErrorTypeCustomerStillRunning is the type of a retry rejection whose only
// reason is that the named customers have not finished yet.
const ErrorTypeCustomerStillRunning = "CustomerStillRunning"

// Search attributes the workflows set, so that operators can find a batch
// or a customer. They must be registered on the namespace first; see
// SearchAttributes.
var (
	SearchAttributeBatchID        = temporal.NewSearchAttributeKeyKeyword("BatchId")
	SearchAttributeBatchStatus    = temporal.NewSearchAttributeKeyKeyword("BatchStatus")
	SearchAttributeResellerID     = temporal.NewSearchAttributeKeyInt64("ResellerId")
	SearchAttributeCustomerIndex  = temporal.NewSearchAttributeKeyInt64("CustomerIndex")
	SearchAttributeCustomerLogin  = temporal.NewSearchAttributeKeyKeyword("CustomerLogin")
	SearchAttributeCustomerStatus = temporal.NewSearchAttributeKeyKeyword("CustomerStatus")
)

// SearchAttributes maps each search attribute the workflows use to its
// type as `temporal operator search-attribute create --type` spells it.
func SearchAttributes() map[string]string {
	return map[string]string{
		SearchAttributeBatchID.GetName():        "Keyword",
		SearchAttributeBatchStatus.GetName():    "Keyword",
		SearchAttributeResellerID.GetName():     "Int",
		SearchAttributeCustomerIndex.GetName():  "Int",
		SearchAttributeCustomerLogin.GetName():  "Keyword",
		SearchAttributeCustomerStatus.GetName(): "Keyword",
	}
}
