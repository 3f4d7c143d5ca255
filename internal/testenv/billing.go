package testenv

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/wire"
)

// BillingView indexes an emulator state dump for assertions.
type BillingView struct {
	// St is the dump.
	St *emulator.State
}

// CustomersNamed returns the customers with this name.
func (v BillingView) CustomersNamed(name string) []emulator.Customer {
	var out []emulator.Customer
	for _, c := range v.St.Customers {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// AccountsWithID returns the accounts and aliases with this id.
func (v BillingView) AccountsWithID(id string) []emulator.Account {
	var out []emulator.Account
	for _, a := range v.St.Accounts {
		if a.ID == id {
			out = append(out, a)
		}
	}
	return out
}

// ExtensionsOf maps each extension number of a customer to its account.
func (v BillingView) ExtensionsOf(iCustomer int64) map[string]int64 {
	out := map[string]int64{}
	for _, e := range v.St.Extensions {
		if e.ICustomer == iCustomer {
			out[e.ID] = e.IAccount
		}
	}
	return out
}

// Digits keeps the digits of s, as the service does with phone numbers.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func attribute(features []emulator.ServiceFeature, feature, name string) []string {
	for _, f := range features {
		if f.Name == feature {
			for _, a := range f.Attributes {
				if a.Name == name {
					return a.Values
				}
			}
		}
	}
	return nil
}

// AssertCreated checks that billing holds the row exactly once: the open
// customer, each account under it, the alias on the primary account, the
// display name and number on every account and the extensions.
func AssertCreated(t testing.TB, v BillingView, row wire.CsvData) {
	t.Helper()
	pi := row.Customer.Customer.PersonalInformation
	custs := v.CustomersNamed(pi.Name)
	require.Len(t, custs, 1, "customer %q", pi.Name)
	cust := custs[0]
	assert.Equal(t, "O", cust.BillStatus, "customer %q", pi.Name)
	assert.Equal(t, pi.Login, cust.Login)

	accounts := append([]wire.AccountInformation(nil), row.Account.AccountRequest.AccountsToCreate...)
	sort.SliceStable(accounts, func(i, j int) bool { return accounts[i].Index < accounts[j].Index })
	iAccount := map[string]int64{}
	for _, a := range accounts {
		found := v.AccountsWithID(a.AcntId)
		require.Len(t, found, 1, "account %s", a.AcntId)
		acc := found[0]
		iAccount[a.AcntId] = acc.IAccount
		assert.Equal(t, cust.ICustomer, acc.ICustomer, "owner of account %s", a.AcntId)
		assert.Equal(t, "O", acc.BillStatus, "account %s", a.AcntId)
		assert.Equal(t, []string{row.DisplayName}, attribute(acc.ServiceFeatures, "cli", "display_name"), "account %s", a.AcntId)
		assert.Equal(t, []string{Digits(row.DisplayNumber)}, attribute(acc.ServiceFeatures, "cli", "display_number"), "account %s", a.AcntId)
	}
	primary := iAccount[accounts[0].AcntId]

	if alias := Digits(row.AliasNumber); alias != "" {
		found := v.AccountsWithID(alias)
		require.Len(t, found, 1, "alias %s", alias)
		assert.Equal(t, 2, found[0].BillingModel, "alias %s", alias)
		require.NotNil(t, found[0].IMasterAccount, "alias %s", alias)
		assert.Equal(t, primary, *found[0].IMasterAccount, "owner of alias %s", alias)
	}

	want := map[string]int64{}
	for i, a := range accounts {
		number := Digits(a.Extension)
		if i == 0 && number == "" {
			number = Digits(row.ExtensionNo)
		}
		if number != "" {
			want[number] = iAccount[a.AcntId]
		}
	}
	assert.Equal(t, want, v.ExtensionsOf(cust.ICustomer), "extensions of %q", pi.Name)
}

// AssertNothingLive checks that a rolled-back row left nothing open in
// billing: no open customer, no open account or alias with its ids, and no
// record carrying its creation mark that is still open.
func AssertNothingLive(t testing.TB, v BillingView, row wire.CsvData, mark string) {
	t.Helper()
	pi := row.Customer.Customer.PersonalInformation
	for _, c := range v.CustomersNamed(pi.Name) {
		assert.Equal(t, "C", c.BillStatus, "customer %q is still open", pi.Name)
	}
	for _, a := range row.Account.AccountRequest.AccountsToCreate {
		for _, acc := range v.AccountsWithID(a.AcntId) {
			assert.Equal(t, "C", acc.BillStatus, "account %s is still open", a.AcntId)
		}
	}
	assert.Empty(t, v.AccountsWithID(Digits(row.AliasNumber)), "alias %s still exists", row.AliasNumber)
	for _, acc := range v.St.Accounts {
		if strings.Contains(acc.Note, mark) {
			assert.Equal(t, "C", acc.BillStatus, "account %s made for %s is still open", acc.ID, mark)
		}
	}
	for _, c := range v.St.Customers {
		if strings.Contains(c.Note, mark) {
			assert.Equal(t, "C", c.BillStatus, "customer %q made for %s is still open", c.Name, mark)
			assert.Empty(t, v.ExtensionsOf(c.ICustomer), "extensions of %q", c.Name)
		}
	}
}
