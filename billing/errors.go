package billing

import (
	"errors"
	"fmt"
	"strings"
)

// Class groups billing failures by what a caller should do about them.
type Class int

// Failure classes. Only ClassTransient and ClassAuth are worth retrying.
const (
	// ClassTransient covers transport errors, timeouts, proxy pages and
	// faults of a standby or read-only site: the same call may work later.
	ClassTransient Class = iota
	// ClassAuth covers rejected credentials and blocked logins. They are
	// retryable, because an operator fixes the configuration, but slowly.
	ClassAuth
	// ClassDuplicate is a unique-key clash: customer name or login,
	// account or alias id, extension number.
	ClassDuplicate
	// ClassNotFound is an object that does not exist (or is closed).
	ClassNotFound
	// ClassInvalid is a value billing rejects (Client.* faults).
	ClassInvalid
	// ClassRejected is any other business rule (Server.* faults).
	ClassRejected
)

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassAuth:
		return "auth"
	case ClassDuplicate:
		return "duplicate"
	case ClassNotFound:
		return "not_found"
	case ClassInvalid:
		return "invalid"
	case ClassRejected:
		return "rejected"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Fault is an API-level failure that billing reported in its fault
// envelope (HTTP 500 with faultcode and faultstring).
type Fault struct {
	Method  string // Service.method that failed
	Code    string // faultcode, for example Server.Account.duplicate_id
	Message string // faultstring
}

func (f *Fault) Error() string {
	return fmt.Sprintf("billing %s: %s: %s", f.Method, f.Code, f.Message)
}

// Class returns what kind of failure the fault code stands for.
func (f *Fault) Class() Class {
	return classifyFaultCode(f.Code)
}

// sessionFaults are the check_auth faults after which the client logs in
// again and resends the call once. Resending after any other fault would
// replay a business error.
var sessionFaults = map[string]bool{
	"Server.Session.check_auth.auth_failed":                    true,
	"Client.check_auth.envelope_missed":                        true,
	"Client.Session.check_auth.failed_to_process_jwt":          true,
	"Client.Session.check_auth.failed_to_process_access_token": true,
}

// standbyFaults come without a Client./Server. prefix from a standby or
// read-only site and pass once the site is primary again.
var standbyFaults = map[string]bool{
	"standalone_mode":            true,
	"secondary_site":             true,
	"read_only_mode":             true,
	"pb_delta.connection_failed": true,
}

func classifyFaultCode(code string) Class {
	switch {
	case standbyFaults[code]:
		return ClassTransient
	case sessionFaults[code],
		strings.HasPrefix(code, "Server.Session."),
		strings.HasPrefix(code, "Client.Session."):
		return ClassAuth
	case strings.HasSuffix(code, ".duplicate_id"),
		strings.HasSuffix(code, ".duplicate_login"),
		strings.HasSuffix(code, "number_already_in_use"):
		return ClassDuplicate
	case strings.HasSuffix(code, "not_found"):
		return ClassNotFound
	case strings.HasPrefix(code, "Client."):
		return ClassInvalid
	case strings.HasPrefix(code, "Server."):
		return ClassRejected
	}
	// A code outside both families is not documented; retrying is the
	// safe choice because a business rule always carries a prefix.
	return ClassTransient
}

// TransportError is a failure below the fault envelope: connection
// errors, timeouts, non-JSON bodies, proxy statuses. It is always worth
// retrying, except for a 4xx, which means the base URL or realm is wrong.
type TransportError struct {
	Method string
	Status int // HTTP status, 0 when no response arrived
	Err    error
}

func (e *TransportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("billing %s: http status %d: %v", e.Method, e.Status, e.Err)
	}
	return fmt.Sprintf("billing %s: %v", e.Method, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Misconfigured reports a 4xx response: wrong base URL, port or realm.
func (e *TransportError) Misconfigured() bool {
	return e.Status >= 400 && e.Status < 500
}

// ClassOf returns the class of any error the client returns. Errors that
// are neither a Fault nor a TransportError (a cancelled context, say)
// count as transient.
func ClassOf(err error) Class {
	var f *Fault
	if errors.As(err, &f) {
		return f.Class()
	}
	var t *TransportError
	if errors.As(err, &t) && t.Misconfigured() {
		return ClassInvalid
	}
	return ClassTransient
}

// FaultCode returns the faultcode carried by err, or "" when err is not a
// billing fault.
func FaultCode(err error) string {
	var f *Fault
	if errors.As(err, &f) {
		return f.Code
	}
	return ""
}
