package wire_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct {
		give   string
		want   string
		wantOK bool
	}{
		{give: "12025550100", want: "12025550100", wantOK: true},
		{give: "+1 (202) 555-0100", want: "12025550100", wantOK: true},
		{give: "  101 ", want: "101", wantOK: true},
		{give: "0044 7700-900200", want: "00447700900200", wantOK: true},
		{give: "", wantOK: false},
		{give: "+ ( ) -", wantOK: false},
		{give: "101x", wantOK: false},
		{give: "1.01", wantOK: false},
		{give: "1\t01", wantOK: false},
		{give: "١٠١", wantOK: false}, // Arabic-Indic digits are not ASCII digits
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := wire.NormalizeNumber(tt.give)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolveAccountID(t *testing.T) {
	one := []wire.AccountInformation{{}}
	two := []wire.AccountInformation{{AcntId: "own"}, {}}
	tests := []struct {
		name string
		req  *wire.AccountRequest
		i    int
		want wire.AccountIDPlan
	}{
		{
			name: "AcntId first",
			req:  &wire.AccountRequest{AccountId: "req", AccountPrefix: "P", AccountRandomDigitLength: 4, AccountsToCreate: two},
			i:    0,
			want: wire.AccountIDPlan{Source: wire.AccountIDFromAcntID, ID: "own"},
		},
		{
			name: "AccountId for a single account",
			req:  &wire.AccountRequest{AccountId: "req", AccountPrefix: "P", AccountRandomDigitLength: 4, AccountsToCreate: one},
			want: wire.AccountIDPlan{Source: wire.AccountIDFromRequest, ID: "req"},
		},
		{
			name: "AccountId ignored for two accounts",
			req:  &wire.AccountRequest{AccountId: "req", AccountPrefix: "P", AccountRandomDigitLength: 4, AccountsToCreate: two},
			i:    1,
			want: wire.AccountIDPlan{Source: wire.AccountIDGenerated, Prefix: "P", RandomDigits: 4},
		},
		{
			name: "generated without prefix",
			req:  &wire.AccountRequest{AccountRandomDigitLength: 18, AccountsToCreate: one},
			want: wire.AccountIDPlan{Source: wire.AccountIDGenerated, RandomDigits: 18},
		},
		{
			name: "prefix without digits",
			req:  &wire.AccountRequest{AccountPrefix: "P", AccountsToCreate: one},
		},
		{
			name: "too many digits",
			req:  &wire.AccountRequest{AccountPrefix: "P", AccountRandomDigitLength: 19, AccountsToCreate: one},
		},
		{
			name: "index out of range",
			req:  &wire.AccountRequest{AccountsToCreate: one},
			i:    1,
		},
		{
			name: "nil request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, wire.ResolveAccountID(tt.req, tt.i))
		})
	}

	assert.Equal(t, 7, wire.AccountIDPlan{Source: wire.AccountIDGenerated, Prefix: "abc", RandomDigits: 4}.Length())
	assert.Equal(t, 3, wire.AccountIDPlan{Source: wire.AccountIDFromAcntID, ID: "abc", RandomDigits: 4}.Length())
}

func TestGenerateAccountID(t *testing.T) {
	// 250 and above are rejected so that every digit is equally likely.
	id, err := wire.GenerateAccountID("EX", 5, bytes.NewReader([]byte{0, 250, 255, 9, 19, 123, 249}))
	require.NoError(t, err)
	assert.Equal(t, "EX09939", id)

	id, err = wire.GenerateAccountID("", 18, nil)
	require.NoError(t, err)
	assert.Len(t, id, 18)
	_, ok := wire.NormalizeNumber(id)
	assert.True(t, ok, "only digits: %s", id)

	_, err = wire.GenerateAccountID("EX", 0, nil)
	assert.ErrorContains(t, err, "0 random digits")
	_, err = wire.GenerateAccountID("EX", 19, nil)
	assert.ErrorContains(t, err, "1 to 18")

	broken := errors.New("entropy source failed")
	_, err = wire.GenerateAccountID("EX", 3, iotest.ErrReader(broken))
	assert.ErrorIs(t, err, broken)
}

func TestPrimaryAccount(t *testing.T) {
	tests := []struct {
		name string
		give *wire.AccountRequest
		want int
	}{
		{"nil request", nil, -1},
		{"no accounts", &wire.AccountRequest{}, -1},
		{"one account", &wire.AccountRequest{AccountsToCreate: []wire.AccountInformation{{Index: 7}}}, 0},
		{"lowest Index wins", &wire.AccountRequest{AccountsToCreate: []wire.AccountInformation{{Index: 2}, {Index: -1}, {Index: 0}}}, 1},
		{"first of equals", &wire.AccountRequest{AccountsToCreate: []wire.AccountInformation{{Index: 3}, {Index: 1}, {Index: 1}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, wire.PrimaryAccount(tt.give))
		})
	}
}

func TestNormalizeActivationDate(t *testing.T) {
	tests := []struct {
		give   string
		want   string
		wantOK bool
	}{
		{give: "", want: "", wantOK: true},
		{give: "2025-07-01", want: "2025-07-01", wantOK: true},
		{give: "2025-07-01T23:30:00-05:00", want: "2025-07-01", wantOK: true},
		{give: "2025-07-01T00:30:00.1234567+14:00", want: "2025-07-01", wantOK: true},
		{give: "2025-07-01T09:30:00", want: "2025-07-01", wantOK: true},
		{give: "2025-07-01T09:30", want: "2025-07-01", wantOK: true},
		{give: "2025-02-30"},
		{give: "20250701"},
		{give: "07/01/2025"},
		{give: "2025-07-01 09:30:00"},
		{give: strings.Repeat("9", 20)},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := wire.NormalizeActivationDate(tt.give)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
