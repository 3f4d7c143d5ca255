package wire

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
)

// Length limits of PortaBilling ids.
const (
	// MaxAccountIDLength is the longest account id PortaBilling stores.
	MaxAccountIDLength = 64
	// MaxAliasLength is the longest alias id PortaBilling stores.
	MaxAliasLength = 63
	// MaxRandomDigits is the largest AccountRandomDigitLength the service
	// accepts: 18 digits keep a generated number within an int64.
	MaxRandomDigits = 18
)

// NormalizeNumber removes the '+', space, '-', '(' and ')' characters people
// write in phone numbers. ok is false when anything other than ASCII digits
// remains or nothing does.
func NormalizeNumber(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '+' || c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	if b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}

// AccountIDSource is the origin of an account's id.
type AccountIDSource int

// Sources of an account id, in the order ResolveAccountID tries them.
const (
	// AccountIDMissing means no rule gives the account an id.
	AccountIDMissing AccountIDSource = iota
	// AccountIDFromAcntID is the account's own AcntId.
	AccountIDFromAcntID
	// AccountIDFromRequest is AccountRequest.AccountId, used only when the
	// row has exactly one account.
	AccountIDFromRequest
	// AccountIDGenerated is AccountPrefix followed by
	// AccountRandomDigitLength random digits.
	AccountIDGenerated
)

// AccountIDPlan is the rule that gives one account its id.
type AccountIDPlan struct {
	Source AccountIDSource
	// ID is the id itself for AccountIDFromAcntID and AccountIDFromRequest.
	ID string
	// Prefix and RandomDigits describe an AccountIDGenerated id. The digits
	// must be drawn once (GenerateAccountID) and kept, so that a retry does
	// not create a second account.
	Prefix       string
	RandomDigits int
}

// Length returns the length of the id the plan gives, in bytes.
func (p AccountIDPlan) Length() int {
	if p.Source == AccountIDGenerated {
		return len(p.Prefix) + p.RandomDigits
	}
	return len(p.ID)
}

// ResolveAccountID returns how account i of r gets its id: its AcntId, else
// the request's AccountId when r has exactly one account, else AccountPrefix
// plus AccountRandomDigitLength random digits when that length is between
// 1 and MaxRandomDigits. Otherwise the Source is AccountIDMissing.
func ResolveAccountID(r *AccountRequest, i int) AccountIDPlan {
	if r == nil || i < 0 || i >= len(r.AccountsToCreate) {
		return AccountIDPlan{}
	}
	if id := r.AccountsToCreate[i].AcntId; id != "" {
		return AccountIDPlan{Source: AccountIDFromAcntID, ID: id}
	}
	if r.AccountId != "" && len(r.AccountsToCreate) == 1 {
		return AccountIDPlan{Source: AccountIDFromRequest, ID: r.AccountId}
	}
	if r.AccountRandomDigitLength >= 1 && r.AccountRandomDigitLength <= MaxRandomDigits {
		return AccountIDPlan{
			Source:       AccountIDGenerated,
			Prefix:       r.AccountPrefix,
			RandomDigits: int(r.AccountRandomDigitLength),
		}
	}
	return AccountIDPlan{}
}

// GenerateAccountID returns prefix followed by digits random decimal digits
// read from rnd, or from crypto/rand when rnd is nil. Call it once per
// account and keep the result: in a workflow, inside a side effect.
func GenerateAccountID(prefix string, digits int, rnd io.Reader) (string, error) {
	if digits < 1 || digits > MaxRandomDigits {
		return "", fmt.Errorf("generate account id: %d random digits requested, expected 1 to %d",
			digits, MaxRandomDigits)
	}
	if rnd == nil {
		rnd = rand.Reader
	}

	id := []byte(prefix)
	var one [1]byte
	for len(id) < len(prefix)+digits {
		if _, err := io.ReadFull(rnd, one[:]); err != nil {
			return "", fmt.Errorf("generate account id: %w", err)
		}
		// 250 is the largest multiple of 10 below 256; rejecting bytes above
		// it keeps every digit equally likely.
		if one[0] < 250 {
			id = append(id, '0'+one[0]%10)
		}
	}
	return string(id), nil
}

// PrimaryAccount returns the index in r.AccountsToCreate of the account with
// the lowest Index (the first of equals), or -1 when r has no account. The
// alias, and ExtensionNo when the account has no Extension, go to it.
func PrimaryAccount(r *AccountRequest) int {
	if r == nil {
		return -1
	}
	primary := -1
	for i, a := range r.AccountsToCreate {
		if primary < 0 || a.Index < r.AccountsToCreate[primary].Index {
			primary = i
		}
	}
	return primary
}
