package activities

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/portaplus2/batchcustomers/billing"
)

// Types of the application errors that activities return. Every type but
// ErrorTypeTransient and ErrorTypeBillingAuth is non-retryable: retrying a
// business fault would only repeat it.
const (
	// ErrorTypeConflict: a record exists under the natural key but was
	// not created by this customer, so it is neither adopted nor undone.
	ErrorTypeConflict = "Conflict"
	// ErrorTypeDuplicate: billing reported a unique-key clash.
	ErrorTypeDuplicate = "Duplicate"
	// ErrorTypeNotFound: billing reported a missing object.
	ErrorTypeNotFound = "NotFound"
	// ErrorTypeInvalid: billing rejected a value (Client.* faults), or
	// the stored row cannot be mapped.
	ErrorTypeInvalid = "Invalid"
	// ErrorTypeRejected: billing refused for a business rule (Server.*).
	ErrorTypeRejected = "Rejected"
	// ErrorTypeBillingAuth: billing rejected the service's credentials or
	// blocked its logins. Retried slowly while an operator fixes them.
	ErrorTypeBillingAuth = "BillingAuth"
	// ErrorTypeTransient: transport trouble; retried with back-off.
	ErrorTypeTransient = "Transient"
)

// NonRetryableErrorTypes lists the types above that retry policies must
// not retry.
var NonRetryableErrorTypes = []string{
	ErrorTypeConflict, ErrorTypeDuplicate, ErrorTypeNotFound, ErrorTypeInvalid, ErrorTypeRejected,
}

// Fault is the detail attached to an activity's application error: the
// fault billing returned, for the customer's result.
type Fault struct {
	Method  string `json:"method,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// Delays before the next attempt after an auth failure. Billing blocks an
// account that logs in too often, so these retries are slow on purpose.
const (
	authRetryDelay       = time.Minute
	bruteForceRetryDelay = 5 * time.Minute
)

// classify turns a billing error into the application error that decides
// whether Temporal retries. what names the step for the message.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	detail := Fault{Message: err.Error()}
	var f *billing.Fault
	if errors.As(err, &f) {
		detail = Fault{Method: f.Method, Code: f.Code, Message: f.Message}
	}
	msg := fmt.Sprintf("%s: %v", what, err)
	switch billing.ClassOf(err) {
	case billing.ClassDuplicate:
		return temporal.NewNonRetryableApplicationError(msg, ErrorTypeDuplicate, err, detail)
	case billing.ClassNotFound:
		return temporal.NewNonRetryableApplicationError(msg, ErrorTypeNotFound, err, detail)
	case billing.ClassInvalid:
		return temporal.NewNonRetryableApplicationError(msg, ErrorTypeInvalid, err, detail)
	case billing.ClassRejected:
		return temporal.NewNonRetryableApplicationError(msg, ErrorTypeRejected, err, detail)
	case billing.ClassAuth:
		delay := authRetryDelay
		if detail.Code == "Server.Session.cannot_login_brute_force_activity" {
			delay = bruteForceRetryDelay
		}
		return temporal.NewApplicationErrorWithOptions(msg, ErrorTypeBillingAuth,
			temporal.ApplicationErrorOptions{Cause: err, Details: []any{detail}, NextRetryDelay: delay})
	}
	return temporal.NewApplicationErrorWithOptions(msg, ErrorTypeTransient,
		temporal.ApplicationErrorOptions{Cause: err, Details: []any{detail}})
}

// conflict reports a record found under a natural key that this customer
// did not create.
func conflict(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, ErrorTypeConflict, nil, Fault{Message: msg})
}

// invalid reports input the activity cannot work with.
func invalid(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, ErrorTypeInvalid, nil, Fault{Message: msg})
}

// rejected reports an outcome billing did not keep.
func rejected(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, ErrorTypeRejected, nil, Fault{Message: msg})
}
