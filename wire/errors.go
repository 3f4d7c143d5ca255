package wire

import (
	"fmt"
	"strings"
)

// maxListItems caps the list items of one document, across all its lists,
// so that a body of many tiny elements cannot grow a huge DTO. A batch of
// 10,000 customers with a few accounts each has well under 100,000.
const maxListItems = 1_000_000

// DecodeOptions limit what a decoder accepts.
type DecodeOptions struct {
	// MaxCustomers stops decoding at the first CustData row past it, with
	// a *TooLongError; 0 means no limit.
	MaxCustomers int
}

// TooLongError is a body with more customers than DecodeOptions allows,
// found while decoding. The HTTP layer returns the validation error it
// carries, the same response as for that body after decoding.
type TooLongError struct {
	FieldError
}

func (e *TooLongError) Error() string {
	return e.FieldName + ": " + e.Message
}

func tooManyCustomers(max int) *TooLongError {
	return &TooLongError{FieldError{
		ErrorCode: CodeTooLong, FieldName: "CustData",
		Message: fmt.Sprintf("the batch has more than %d customers, the maximum; split it into smaller batches", max),
	}}
}

// DecodeError is a request body that cannot be read as a BatchCustomerCreation.
// The HTTP layer returns 400 SerializationException for it.
type DecodeError struct {
	// Field is the path of the member being read, such as
	// CustData[0].Customer.Customer.IParent, or "" when the error concerns
	// the whole body (syntax, encoding, root element).
	Field string
	// Message describes the problem and how to fix it.
	Message string

	cause error
}

// Error returns the field path and the message.
func (e *DecodeError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Unwrap returns the parser error behind the DecodeError, if any.
func (e *DecodeError) Unwrap() error {
	return e.cause
}

// decodeErrorf builds a DecodeError for the member at path.
func decodeErrorf(path, format string, args ...any) *DecodeError {
	return &DecodeError{Field: path, Message: fmt.Sprintf(format, args...)}
}

// wrapDecodeError builds a DecodeError that keeps cause for errors.Is/As.
func wrapDecodeError(path string, cause error, format string, args ...any) *DecodeError {
	err := decodeErrorf(path, format, args...)
	err.cause = cause
	return err
}

// secretMember reports whether the member at path holds a password or a
// licence, whose text must not be repeated in messages or logs.
func secretMember(path string) bool {
	for _, name := range []string{"Password", "CustomerPassword", "License"} {
		if path == name || strings.HasSuffix(path, "."+name) {
			return true
		}
	}
	return false
}
