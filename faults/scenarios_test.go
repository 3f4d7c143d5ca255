package faults_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// unreliableBilling makes about 20% of calls fail for transport reasons:
// 503 pages, calls that hang past the client's timeout, and changes that
// are applied but whose response is lost.
func unreliableBilling(t *testing.T, e *emuServer, seed uint64) {
	t.Helper()
	for _, rule := range []emulator.FaultRule{
		{Method: "*", Action: emulator.ActionHTTPStatus, Status: 503, Probability: 0.1, Seed: seed},
		{Method: "*", Action: emulator.ActionHang, Delay: emulator.Duration(3 * time.Second), Probability: 0.05, Seed: seed + 1},
		{Method: "*", Action: emulator.ActionCommitThenFail, Status: 502, Probability: 0.05, Seed: seed + 2},
	} {
		_, err := e.Admin.AddFault(context.Background(), rule)
		require.NoError(t, err)
	}
}

func TestFault1WorkerKilled(t *testing.T) {
	var o outcome
	record(t, 1, "worker killed (SIGKILL) mid-batch, restarted", &o)
	s := startStack(t, stackOptions{window: 10, emulator: emulator.Config{Latency: 20 * time.Millisecond}})
	b := testenv.MakeBatch(t, 40, 1)
	id := s.submit(t, b)
	s.waitFinished(t, id, 8)

	s.workers[0].Kill()
	time.Sleep(time.Second)
	s.workers[0].Start()

	rep := s.waitDone(t, id, 6*time.Minute)
	o = s.check(t, b, id, rep, nil)
	assert.Equal(t, store.StateCompleted, rep.State)
	assert.Equal(t, 40, o.created)
	assert.Zero(t, o.duplicates)
}

func TestFault2TemporalRestarted(t *testing.T) {
	var o outcome
	record(t, 2, "Temporal dev server restarted mid-batch", &o)
	s := startStack(t, stackOptions{window: 10, emulator: emulator.Config{Latency: 20 * time.Millisecond}})
	b := testenv.MakeBatch(t, 40, 2)
	id := s.submit(t, b)
	s.waitFinished(t, id, 8)

	s.temporal.Stop()
	time.Sleep(time.Second)
	s.temporal.Start()
	s.temporal.WaitReady()

	rep := s.waitDone(t, id, 6*time.Minute)
	o = s.check(t, b, id, rep, nil)
	assert.Equal(t, store.StateCompleted, rep.State)
	assert.Equal(t, 40, o.created)
	assert.Zero(t, o.duplicates)
}

func TestFault3UnreliableBilling(t *testing.T) {
	var o outcome
	record(t, 3, "20% of billing calls fail (5xx, timeouts, lost answers)", &o)
	s := startStack(t, stackOptions{window: 10})
	unreliableBilling(t, s.emu, 3)
	b := testenv.MakeBatch(t, 40, 3)
	id := s.submit(t, b)

	rep := s.waitDone(t, id, 6*time.Minute)
	o = s.check(t, b, id, rep, nil)
	assert.Equal(t, store.StateCompleted, rep.State)
	assert.Equal(t, 40, o.created, "no customer fails for a transport reason")
	assert.Zero(t, o.duplicates)
}

func TestFault4SessionExpires(t *testing.T) {
	var o outcome
	record(t, 4, "billing session expires mid-batch", &o)
	s := startStack(t, stackOptions{window: 10})
	ctx := context.Background()
	require.NoError(t, s.emu.Admin.ExpireSessionsAfter(ctx, 40))
	b := testenv.MakeBatch(t, 30, 4)
	id := s.submit(t, b)

	rep := s.waitDone(t, id, 3*time.Minute)
	o = s.check(t, b, id, rep, nil)
	assert.Equal(t, 30, o.created)
	calls, err := s.emu.Admin.Calls(ctx)
	require.NoError(t, err)
	logins, rejected := 0, 0
	for _, c := range calls {
		if c.Method == "Session.login" {
			logins++
		}
		if c.Outcome == "Server.Session.check_auth.auth_failed" {
			rejected++
		}
	}
	assert.Positive(t, rejected, "the session did expire")
	assert.Equal(t, 2, logins, "one login at start and one shared login after the expiry")
}

func TestFault5BusinessFaultAtEachStep(t *testing.T) {
	var o outcome
	record(t, 5, "business fault at each step in turn", &o)
	s := startStack(t, stackOptions{window: 10})
	ctx := context.Background()
	b := testenv.MakeBatch(t, 6, 5)
	fail := func(method, path, value string) {
		_, err := s.emu.Admin.AddFault(ctx, emulator.FaultRule{Method: method, Match: map[string]string{path: value},
			Action: emulator.ActionFault, FaultCode: "Server.Test.refused", FaultString: "refused for the test"})
		require.NoError(t, err)
	}
	for i := range b.CustData {
		b.CustData[i].DisplayName = fmt.Sprintf("Display %d", i)
	}
	b.CustData[4].ExtensionNo = "901"
	b.CustData[4].Account.AccountRequest.AccountsToCreate[0].Extension = "901"
	fail("Customer.add_customer", "customer_info.name", b.CustData[0].Customer.Customer.PersonalInformation.Name)
	fail("Account.add_account", "account_info.id", b.CustData[1].Account.AccountRequest.AccountsToCreate[1].AcntId)
	fail("Account.add_alias", "alias_info.id", testenv.Digits(b.CustData[2].AliasNumber))
	fail("Account.update_service_features", "service_features.0.attributes.0.values.0", "Display 3")
	fail("Customer.add_customer_extension", "id", "901")
	id := s.submit(t, b)

	rep := s.waitDone(t, id, 3*time.Minute)
	want := map[int]struct {
		step   string
		undone []string
	}{
		0: {workflows.StepCustomer, []string{"customer"}},
		1: {workflows.StepAccounts, []string{"accounts", "customer"}},
		2: {workflows.StepAlias, []string{"alias", "accounts", "customer"}},
		3: {workflows.StepDisplay, []string{"alias", "accounts", "customer"}},
		4: {workflows.StepExtensions, []string{"extensions", "alias", "accounts", "customer"}},
	}
	failed := map[int]bool{}
	for i, w := range want {
		failed[i] = true
		c := rep.Customers[i]
		require.Equal(t, store.StatusFailed, c.Status, "customer %d", i)
		assert.Equal(t, w.step, c.Result.FailedStep, "customer %d", i)
		assert.Equal(t, w.undone, c.Result.RolledBack, "customer %d", i)
		assert.Equal(t, "Server.Test.refused", c.Result.Error.Code, "customer %d", i)
	}
	o = s.check(t, b, id, rep, failed)
	assert.Equal(t, 1, o.created)
	assert.Equal(t, 5, o.failed)
}

func TestFault6RollbackFails(t *testing.T) {
	var o outcome
	record(t, 6, "rollback step fails (transient, then permanent)", &o)
	s := startStack(t, stackOptions{window: 5})
	ctx := context.Background()

	// Transient: the undo of the accounts fails three times, then works.
	first := testenv.MakeBatch(t, 2, 6)
	_, err := s.emu.Admin.AddFault(ctx, emulator.FaultRule{Method: "Account.add_alias", Match: map[string]string{
		"alias_info.id": testenv.Digits(first.CustData[0].AliasNumber)}, Action: emulator.ActionFault,
		FaultCode: "Server.Test.refused", FaultString: "refused"})
	require.NoError(t, err)
	_, err = s.emu.Admin.AddFault(ctx, emulator.FaultRule{Method: "Account.terminate_account",
		Action: emulator.ActionHTTPStatus, Status: 503, Count: 3})
	require.NoError(t, err)
	id := s.submit(t, first)
	rep := s.waitDone(t, id, 3*time.Minute)
	o = s.check(t, first, id, rep, map[int]bool{0: true})
	assert.Equal(t, store.StatusFailed, rep.Customers[0].Status)
	assert.Empty(t, rep.Customers[0].Result.Leftovers)

	// Permanent: billing refuses to terminate the accounts.
	second := testenv.MakeBatch(t, 1, 7)
	require.NoError(t, s.emu.Admin.ClearFaults(ctx))
	_, err = s.emu.Admin.AddFault(ctx, emulator.FaultRule{Method: "Account.add_alias", Action: emulator.ActionFault,
		FaultCode: "Server.Test.refused", FaultString: "refused"})
	require.NoError(t, err)
	_, err = s.emu.Admin.AddFault(ctx, emulator.FaultRule{Method: "Account.terminate_account", Action: emulator.ActionFault,
		FaultCode: "Server.Account.termination_forbidden", FaultString: "account has open invoices"})
	require.NoError(t, err)
	id2 := s.submit(t, second)
	rep2 := s.waitDone(t, id2, 3*time.Minute)
	c := rep2.Customers[0]
	require.Equal(t, store.StatusRollbackFailed, c.Status)
	assert.Equal(t, []string{workflows.StepAccounts}, c.Result.Leftovers, "the report lists what is left in billing")
	assert.Equal(t, []string{workflows.StepAlias, workflows.StepCustomer}, c.Result.RolledBack)
	v := s.state(t)
	for _, a := range second.CustData[0].Account.AccountRequest.AccountsToCreate {
		accs := v.AccountsWithID(a.AcntId)
		require.Len(t, accs, 1)
		assert.Equal(t, "O", accs[0].BillStatus, "the leftover account %s is still open, as reported", a.AcntId)
	}
	o.customers += 1
	o.failed += 1
}

func TestFault7BillingDownTwoMinutes(t *testing.T) {
	var o outcome
	record(t, 7, "billing unreachable for two minutes", &o)
	s := startStack(t, stackOptions{window: 5, emulator: emulator.Config{Latency: 50 * time.Millisecond}})
	b := testenv.MakeBatch(t, 20, 8)
	id := s.submit(t, b)
	s.waitFinished(t, id, 3)

	s.emu.Down()
	time.Sleep(2 * time.Minute)
	s.emu.Up(t)

	rep := s.waitDone(t, id, 4*time.Minute)
	o = s.check(t, b, id, rep, nil)
	assert.Equal(t, store.StateCompleted, rep.State)
	assert.Equal(t, 20, o.created, "no customer fails for a transient reason")
}

func TestFault8LoadWithFaults(t *testing.T) {
	var o outcome
	record(t, 8, "20 batches x 50 at once, 20% faults, a worker killed", &o)
	s := startStack(t, stackOptions{workers: 2, window: 20})
	unreliableBilling(t, s.emu, 8)
	batches := make([]*wire.BatchCustomerCreation, 20)
	ids := make([]string, len(batches))
	for i := range batches {
		// Seeds from 10 up keep every batch's names and numbers apart.
		batches[i] = testenv.MakeBatch(t, 50, 10+i)
	}
	var wg sync.WaitGroup
	for i := range batches {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i] = s.submit(t, batches[i])
		}(i)
	}
	wg.Wait()
	s.waitFinished(t, ids[0], 10)
	s.workers[0].Kill()
	time.Sleep(time.Second)
	s.workers[0].Start()

	for i, id := range ids {
		rep := s.waitDone(t, id, 8*time.Minute)
		got := s.check(t, batches[i], id, rep, nil)
		assert.Equal(t, store.StateCompleted, rep.State, "batch %d", i)
		o.customers += got.customers
		o.created += got.created
		o.failed += got.failed
		o.duplicates += got.duplicates
	}
	assert.Equal(t, 1000, o.created)
	assert.Zero(t, o.duplicates)
}

// A step whose worker dies in the middle of a billing call is retried on
// the next worker as soon as its heartbeat timeout has passed, instead of
// after its much longer start-to-close timeout.
func TestFault9WorkerKilledDuringSlowCall(t *testing.T) {
	var o outcome
	record(t, 9, "worker killed during a slow billing call", &o)
	// The call outlasts the kill, which comes well before its client gives
	// up on it.
	o, started := interruptAliasCall(t, 9, 10*time.Second, (*testenv.Process).Kill)

	// The alias step started a second time because its heartbeat stopped.
	assert.Equal(t, int32(2), started.GetAttempt(), "the alias step ran again on the new worker")
	assert.Equal(t, enums.TIMEOUT_TYPE_HEARTBEAT, started.GetLastFailure().GetTimeoutFailureInfo().GetTimeoutType(),
		"the first attempt ended by its heartbeat timeout: %v", started.GetLastFailure())
}

// A worker stopped for a deploy (SIGTERM) lets the step in hand finish
// before it exits, so the step is not retried at all.
func TestFault10WorkerStoppedDuringCall(t *testing.T) {
	var o outcome
	record(t, 10, "worker stopped (SIGTERM) during a billing call", &o)
	// Shorter than the workers' 2-second billing timeout here.
	o, started := interruptAliasCall(t, 10, 1500*time.Millisecond, (*testenv.Process).Stop)

	assert.Equal(t, int32(1), started.GetAttempt(), "the stopping worker finished the alias step: %v",
		started.GetLastFailure())
}

// interruptAliasCall runs a 3-customer batch whose second customer's alias
// call takes delay, applies interrupt to the worker while that call is in
// flight, and starts the worker again. It checks that every customer was
// created once, and returns the outcome and the start of the slow
// customer's alias step.
func interruptAliasCall(t *testing.T, seed int, delay time.Duration, interrupt func(*testenv.Process),
) (outcome, *historypb.ActivityTaskStartedEventAttributes) {
	t.Helper()
	s := startStack(t, stackOptions{window: 3})
	b := testenv.MakeBatch(t, 3, seed)
	const slow = 1
	ruleID, err := s.emu.Admin.AddFault(context.Background(), emulator.FaultRule{
		Method: "Account.add_alias",
		Match:  map[string]string{"alias_info.id": testenv.Digits(b.CustData[slow].AliasNumber)},
		Action: emulator.ActionLatency, Delay: emulator.Duration(delay), Count: 1,
	})
	require.NoError(t, err)
	id := s.submit(t, b)

	s.waitFired(t, ruleID)
	interrupt(s.workers[0])
	s.workers[0].Start()

	rep := s.waitDone(t, id, 4*time.Minute)
	o := s.check(t, b, id, rep, nil)
	assert.Equal(t, store.StateCompleted, rep.State)
	assert.Equal(t, 3, o.created)
	assert.Zero(t, o.duplicates)
	return o, s.aliasStarted(t, workflows.CustomerWorkflowID(id, slow, 1))
}
