package activities_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
)

const batchID = "b1"

type fixture struct {
	env   *testsuite.TestActivityEnvironment
	acts  *activities.Activities
	emu   *testenv.Emulator
	bill  *billing.Client
	batch *wire.BatchCustomerCreation
}

// newFixture stores the 3-customer sample as batch b1 and points the
// activities at a fresh emulator.
func newFixture(t *testing.T, cfg emulator.Config) *fixture {
	t.Helper()
	data, err := os.ReadFile("../samples/batch-3-customers.xml")
	require.NoError(t, err)
	batch, err := wire.DecodeXML(bytes.NewReader(data))
	require.NoError(t, err)

	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "batches.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	var rows []store.Row
	for i := range batch.CustData {
		raw, err := provision.EncodeRow(batch, i)
		require.NoError(t, err)
		rows = append(rows, store.Row{Index: i, Data: raw})
	}
	_, _, err = st.CreateBatch(context.Background(), store.Batch{ID: batchID}, rows)
	require.NoError(t, err)

	emu := testenv.StartEmulator(t, cfg)
	bill := billing.New(billing.Options{BaseURL: emu.URL, Login: "admin", Password: "admin-secret"}, zap.NewNop())
	f := &fixture{emu: emu, bill: bill, batch: batch, acts: &activities.Activities{Billing: bill, Store: st}}
	var ts testsuite.WorkflowTestSuite
	f.env = ts.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	return f
}

func ref(index int) activities.CustomerRef {
	return activities.CustomerRef{BatchID: batchID, Index: index, Mark: fmt.Sprintf("batch-b1-customer-%d", index)}
}

func errorType(t *testing.T, err error) string {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an application error, got %v", err)
	return appErr.Type()
}

func (f *fixture) createCustomer(t *testing.T, r activities.CustomerRef) (int64, error) {
	t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.CreateCustomer, r)
	if err != nil {
		return 0, err
	}
	var res activities.CreateCustomerResult
	require.NoError(t, v.Get(&res))
	return res.ICustomer, nil
}

func (f *fixture) state(t *testing.T) *emulator.State {
	t.Helper()
	st, err := f.emu.Admin.State(context.Background())
	require.NoError(t, err)
	return st
}

func TestCreateCustomerAdoptsItsOwnRecord(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	first, err := f.createCustomer(t, ref(0))
	require.NoError(t, err)
	again, err := f.createCustomer(t, ref(0))
	require.NoError(t, err)

	assert.Equal(t, first, again)
	st := f.state(t)
	require.Len(t, st.Customers, 2, "the reseller and one customer")
	assert.True(t, billing.HasMark(st.Customers[1].Note, ref(0).Mark))
	assert.Contains(t, st.Customers[1].Note, "Two-seat dental practice", "the request's notes are kept")
}

func TestCreateCustomerAfterLostAnswer(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	_, err := f.emu.Admin.AddFault(context.Background(), emulator.FaultRule{
		Method: "Customer.add_customer", Action: emulator.ActionCommitThenFail, Status: 502, Count: 1,
	})
	require.NoError(t, err)

	_, err = f.createCustomer(t, ref(0))
	require.Error(t, err)
	assert.Equal(t, activities.ErrorTypeTransient, errorType(t, err))

	id, err := f.createCustomer(t, ref(0))
	require.NoError(t, err, "the retry adopts the customer the lost call made")
	assert.NotZero(t, id)
	assert.Len(t, f.state(t).Customers, 2)
}

func TestCreateCustomerRejectsStranger(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	_, err := f.bill.AddCustomer(context.Background(), map[string]any{
		"name": "Example Dental Studio", "iso_4217": "USD", "note": "made by hand",
	})
	require.NoError(t, err)

	_, err = f.createCustomer(t, ref(0))
	require.Error(t, err)
	assert.Equal(t, activities.ErrorTypeConflict, errorType(t, err))

	// The undo leaves the stranger's customer alone.
	_, err = f.env.ExecuteActivity(f.acts.RemoveCustomer, ref(0))
	require.NoError(t, err)
	st := f.state(t)
	require.Len(t, st.Customers, 2)
	assert.Equal(t, "O", st.Customers[1].BillStatus)
}

func TestAccountsAliasDisplayAndExtensions(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	r := ref(0)
	iCustomer, err := f.createCustomer(t, r)
	require.NoError(t, err)

	ids := []string{"12025550101", "12025550102"}
	var accs activities.CreateAccountsResult
	for range 2 { // the second run adopts
		v, err := f.env.ExecuteActivity(f.acts.CreateAccounts,
			activities.CreateAccountsInput{CustomerRef: r, ICustomer: iCustomer, IDs: ids})
		require.NoError(t, err)
		require.NoError(t, v.Get(&accs))
	}
	require.Len(t, accs.Accounts, 2)

	var alias activities.AliasResult
	for range 2 {
		v, err := f.env.ExecuteActivity(f.acts.AddAlias,
			activities.AliasInput{CustomerRef: r, IMasterAccount: accs.Accounts[0].IAccount})
		require.NoError(t, err)
		require.NoError(t, v.Get(&alias))
	}
	assert.Equal(t, "12025550100", alias.ID)

	_, err = f.env.ExecuteActivity(f.acts.SetDisplay, activities.DisplayInput{CustomerRef: r,
		Accounts: []int64{accs.Accounts[0].IAccount, accs.Accounts[1].IAccount}})
	require.NoError(t, err)

	var exts activities.ExtensionsResult
	for range 2 {
		v, err := f.env.ExecuteActivity(f.acts.AddExtensions,
			activities.ExtensionsInput{CustomerRef: r, ICustomer: iCustomer, Accounts: accs.Accounts})
		require.NoError(t, err)
		require.NoError(t, v.Get(&exts))
	}
	require.Len(t, exts.Extensions, 2)
	assert.Equal(t, "101", exts.Extensions[0].Number)
	assert.Equal(t, accs.Accounts[0].IAccount, exts.Extensions[0].IAccount)

	st := f.state(t)
	assert.Len(t, st.Accounts, 3, "two accounts and one alias, each once")
	assert.Len(t, st.Extensions, 2)
	for _, a := range st.Accounts {
		if a.BillingModel == 2 {
			continue
		}
		var names []string
		for _, feat := range a.ServiceFeatures {
			if feat.Name == "cli" {
				for _, attr := range feat.Attributes {
					names = append(names, attr.Name+"="+attr.Values[0])
				}
			}
		}
		assert.ElementsMatch(t, []string{"display_name=Example Dental", "display_number=12025550100",
			"display_name_override=Y"}, names, "account %s", a.ID)
	}

	// Undo in reverse order, twice: the second pass finds nothing to do.
	for range 2 {
		_, err = f.env.ExecuteActivity(f.acts.RemoveExtensions, r)
		require.NoError(t, err)
		_, err = f.env.ExecuteActivity(f.acts.RemoveAlias, r)
		require.NoError(t, err)
		_, err = f.env.ExecuteActivity(f.acts.TerminateAccounts, activities.TerminateAccountsInput{CustomerRef: r, IDs: ids})
		require.NoError(t, err)
		_, err = f.env.ExecuteActivity(f.acts.RemoveCustomer, r)
		require.NoError(t, err)
	}
	st = f.state(t)
	assert.Len(t, st.Customers, 1, "only the reseller is left")
	assert.Empty(t, st.Extensions)
	for _, a := range st.Accounts {
		assert.Equal(t, "C", a.BillStatus, "account %s", a.ID)
		assert.NotEqual(t, 2, a.BillingModel, "the alias is deleted")
	}
}

// On a first attempt nothing is looked up before it is created: a clean
// customer with two accounts, an alias, a display and two extensions costs
// eleven billing calls (and the login).
func TestFirstAttemptCallsOnly(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	r := ref(0)
	iCustomer, err := f.createCustomer(t, r)
	require.NoError(t, err)
	v, err := f.env.ExecuteActivity(f.acts.CreateAccounts,
		activities.CreateAccountsInput{CustomerRef: r, ICustomer: iCustomer, IDs: []string{"12025550101", "12025550102"}})
	require.NoError(t, err)
	var accs activities.CreateAccountsResult
	require.NoError(t, v.Get(&accs))
	_, err = f.env.ExecuteActivity(f.acts.AddAlias, activities.AliasInput{CustomerRef: r, IMasterAccount: accs.Accounts[0].IAccount})
	require.NoError(t, err)
	_, err = f.env.ExecuteActivity(f.acts.SetDisplay, activities.DisplayInput{CustomerRef: r,
		Accounts: []int64{accs.Accounts[0].IAccount, accs.Accounts[1].IAccount}})
	require.NoError(t, err)
	_, err = f.env.ExecuteActivity(f.acts.AddExtensions,
		activities.ExtensionsInput{CustomerRef: r, ICustomer: iCustomer, Accounts: accs.Accounts})
	require.NoError(t, err)

	calls, err := f.emu.Admin.Calls(context.Background())
	require.NoError(t, err)
	var methods []string
	for _, c := range calls {
		methods = append(methods, c.Method)
	}
	assert.Equal(t, []string{
		"Session.login",
		"Customer.add_customer",
		"Account.add_account", "Account.add_account",
		"Account.add_alias", "Account.get_account_info",
		"Account.update_service_features", "Account.get_account_info",
		"Account.update_service_features", "Account.get_account_info",
		"Customer.add_customer_extension", "Customer.add_customer_extension",
	}, methods)
}

func TestAccountHeldByStrangerIsConflict(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	stranger, err := f.bill.AddCustomer(context.Background(), map[string]any{"name": "Someone Else", "iso_4217": "USD"})
	require.NoError(t, err)
	_, err = f.bill.AddAccount(context.Background(), map[string]any{
		"id": "12025550101", "i_customer": stranger, "i_product": 1, "billing_model": 1})
	require.NoError(t, err)

	r := ref(0)
	iCustomer, err := f.createCustomer(t, r)
	require.NoError(t, err)
	_, err = f.env.ExecuteActivity(f.acts.CreateAccounts,
		activities.CreateAccountsInput{CustomerRef: r, ICustomer: iCustomer, IDs: []string{"12025550101", "12025550102"}})
	require.Error(t, err)
	assert.Equal(t, activities.ErrorTypeConflict, errorType(t, err))

	_, err = f.env.ExecuteActivity(f.acts.TerminateAccounts,
		activities.TerminateAccountsInput{CustomerRef: r, IDs: []string{"12025550101"}})
	require.NoError(t, err)
	for _, a := range f.state(t).Accounts {
		if a.ID == "12025550101" {
			assert.Equal(t, "O", a.BillStatus, "the stranger's account stays open")
		}
	}
}

func TestRemoveCustomerTerminatesWhenDeleteIsRefused(t *testing.T) {
	f := newFixture(t, emulator.Config{ClosedAccountsBlockDelete: true})
	r := ref(1)
	iCustomer, err := f.createCustomer(t, r)
	require.NoError(t, err)
	_, err = f.env.ExecuteActivity(f.acts.CreateAccounts,
		activities.CreateAccountsInput{CustomerRef: r, ICustomer: iCustomer, IDs: []string{"447700900201"}})
	require.NoError(t, err)
	_, err = f.env.ExecuteActivity(f.acts.TerminateAccounts,
		activities.TerminateAccountsInput{CustomerRef: r, IDs: []string{"447700900201"}})
	require.NoError(t, err)

	_, err = f.env.ExecuteActivity(f.acts.RemoveCustomer, r)
	require.NoError(t, err)
	st := f.state(t)
	require.Len(t, st.Customers, 2)
	assert.Equal(t, "C", st.Customers[1].BillStatus, "a customer billing keeps is terminated")
}

func TestBusinessFaultIsNotRetryable(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	_, err := f.emu.Admin.AddFault(context.Background(), emulator.FaultRule{
		Method: "Customer.add_customer", Action: emulator.ActionFault,
		FaultCode: "Client.Customer.invalid_value.customer_info.email", FaultString: "bad email",
	})
	require.NoError(t, err)
	_, err = f.createCustomer(t, ref(2))
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, activities.ErrorTypeInvalid, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	var fault activities.Fault
	require.NoError(t, appErr.Details(&fault))
	assert.Equal(t, "Client.Customer.invalid_value.customer_info.email", fault.Code)
	assert.Equal(t, "Customer.add_customer", fault.Method)
}

func TestMissingRowIsInvalid(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	_, err := f.createCustomer(t, activities.CustomerRef{BatchID: batchID, Index: 9, Mark: "m"})
	require.Error(t, err)
	assert.Equal(t, activities.ErrorTypeInvalid, errorType(t, err))
}

func TestRowNames(t *testing.T) {
	f := newFixture(t, emulator.Config{})
	v, err := f.env.ExecuteActivity(f.acts.RowNames, activities.RowNamesInput{
		BatchID: batchID, Indexes: []int{2, 0, 7}, Versions: []int{0, 0, 0},
	})
	require.NoError(t, err)
	var names []activities.RowName
	require.NoError(t, v.Get(&names))
	assert.Equal(t, []activities.RowName{
		{Login: "placeholdercg", Name: "Placeholder Consulting Group"},
		{Login: "exampledental", Name: "Example Dental Studio"},
		{}, // not in the batch: the customer reports that itself
	}, names)
}
