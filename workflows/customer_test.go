package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

type customerSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env  *testsuite.TestWorkflowEnvironment
	acts *activities.Activities
	// calls records activity names in the order they started.
	calls []string
}

func TestCustomerWorkflow(t *testing.T) {
	suite.Run(t, new(customerSuite))
}

func (s *customerSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.acts = &activities.Activities{}
	s.env.RegisterActivity(s.acts)
	s.env.RegisterWorkflowWithOptions(workflows.Customer, workflow.RegisterOptions{Name: workflows.CustomerWorkflowType})
	s.calls = nil
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		s.calls = append(s.calls, info.ActivityType.Name)
	})
	// Begin and Finish run as local activities.
	s.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []interface{}) {
		s.calls = append(s.calls, info.ActivityType.Name)
	})
}

func (s *customerSuite) AfterTest(_, _ string) {
	s.env.AssertExpectations(s.T())
}

var fullOutline = activities.BeginResult{
	Login: "exampledental", Name: "Example Dental Studio",
	Accounts: []activities.AccountSlot{{ID: "12025550101"}, {Prefix: "EX", Digits: 6}},
	Alias:    "12025550100", Display: true, Extensions: 2,
}

// mockHappyPath makes every forward step and every undo succeed, except
// the activities named in skip, which the test mocks itself.
func (s *customerSuite) mockHappyPath(skip ...string) {
	a := s.acts
	skipped := map[string]bool{}
	for _, name := range skip {
		skipped[name] = true
	}
	on := func(name string, fn interface{}) *testsuite.MockCallWrapper {
		if skipped[name] {
			return nil
		}
		return s.env.OnActivity(fn, mock.Anything, mock.Anything)
	}
	ret := func(c *testsuite.MockCallWrapper, values ...interface{}) {
		if c != nil {
			c.Return(values...).Maybe()
		}
	}
	ret(on("Begin", a.Begin), fullOutline, nil)
	ret(on("CreateCustomer", a.CreateCustomer), activities.CreateCustomerResult{ICustomer: 1000}, nil)
	ret(on("CreateAccounts", a.CreateAccounts),
		func(_ context.Context, in activities.CreateAccountsInput) (activities.CreateAccountsResult, error) {
			out := activities.CreateAccountsResult{}
			for i, id := range in.IDs {
				out.Accounts = append(out.Accounts, activities.AccountRef{ID: id, IAccount: int64(2000 + i)})
			}
			return out, nil
		})
	ret(on("AddAlias", a.AddAlias), activities.AliasResult{ID: "12025550100", IAccount: 3000}, nil)
	ret(on("SetDisplay", a.SetDisplay), nil)
	ret(on("AddExtensions", a.AddExtensions),
		activities.ExtensionsResult{Extensions: []activities.ExtensionRef{{Number: "101", ICExt: 1, IAccount: 2000}}}, nil)
	ret(on("RemoveCustomer", a.RemoveCustomer), nil)
	ret(on("RemoveAlias", a.RemoveAlias), nil)
	ret(on("RemoveExtensions", a.RemoveExtensions), nil)
	ret(on("TerminateAccounts", a.TerminateAccounts), nil)
	ret(on("Finish", a.Finish), nil)
}

func input() workflows.CustomerInput {
	return workflows.CustomerInput{BatchID: "b1", Index: 4, Total: 10, Attempt: 1}
}

func (s *customerSuite) TestSuccessCreatesEveryStep() {
	s.mockHappyPath("CreateAccounts")
	var drawn []string
	s.env.OnActivity(s.acts.CreateAccounts, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CreateAccountsInput) (activities.CreateAccountsResult, error) {
			drawn = in.IDs
			s.Equal("batch-b1-customer-4", in.Mark)
			return activities.CreateAccountsResult{Accounts: []activities.AccountRef{
				{ID: in.IDs[0], IAccount: 2000}, {ID: in.IDs[1], IAccount: 2001}}}, nil
		})

	s.env.ExecuteWorkflow(workflows.Customer, input())

	s.True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	var res workflows.CustomerResult
	s.NoError(s.env.GetWorkflowResult(&res))
	s.Equal(store.StatusCreated, res.Status)
	s.Equal(int64(1000), res.ICustomer)
	s.Len(res.Accounts, 2)
	s.Equal("12025550101", drawn[0])
	s.Regexp(`^EX[0-9]{6}$`, drawn[1])
	s.Equal(int64(3000), res.Alias.IAccount)
	s.True(res.Display)
	s.Empty(res.FailedStep)
	s.Equal([]string{"Begin", "CreateCustomer", "CreateAccounts", "AddAlias", "SetDisplay", "AddExtensions", "Finish"}, s.calls)
}

func (s *customerSuite) TestFailureRollsBackInReverse() {
	tests := []struct {
		step     string
		activity string
		wantUndo []string
	}{
		{workflows.StepCustomer, "CreateCustomer", []string{"RemoveCustomer"}},
		{workflows.StepAccounts, "CreateAccounts", []string{"TerminateAccounts", "RemoveCustomer"}},
		{workflows.StepAlias, "AddAlias", []string{"RemoveAlias", "TerminateAccounts", "RemoveCustomer"}},
		{workflows.StepDisplay, "SetDisplay", []string{"RemoveAlias", "TerminateAccounts", "RemoveCustomer"}},
		{workflows.StepExtensions, "AddExtensions",
			[]string{"RemoveExtensions", "RemoveAlias", "TerminateAccounts", "RemoveCustomer"}},
	}
	for _, tt := range tests {
		s.Run(tt.step, func() {
			s.SetupTest()
			s.mockHappyPath(tt.activity)
			fault := temporal.NewNonRetryableApplicationError("billing said no", activities.ErrorTypeRejected, nil,
				activities.Fault{Method: "Account.add_alias", Code: "Server.Account.rejected", Message: "no"})
			s.env.OnActivity(tt.activity, mock.Anything, mock.Anything).Return(failing(tt.activity, fault)...)

			s.env.ExecuteWorkflow(workflows.Customer, input())

			err := s.env.GetWorkflowError()
			s.Require().Error(err)
			var appErr *temporal.ApplicationError
			s.Require().True(errors.As(err, &appErr))
			s.Equal(workflows.ErrorTypeCustomerFailed, appErr.Type())
			var res workflows.CustomerResult
			s.Require().NoError(appErr.Details(&res))
			s.Equal(store.StatusFailed, res.Status)
			s.Equal(tt.step, res.FailedStep)
			s.Equal(activities.ErrorTypeRejected, res.Error.Type)
			s.Equal("Server.Account.rejected", res.Error.Code)

			failedAt := indexOf(s.calls, tt.activity)
			s.Require().GreaterOrEqual(failedAt, 0)
			undos := s.calls[failedAt+1 : len(s.calls)-1]
			s.Equal(tt.wantUndo, undos)
			s.Equal("Finish", s.calls[len(s.calls)-1])
		})
	}
}

func (s *customerSuite) TestUndoFailureLeavesRollbackFailed() {
	s.mockHappyPath("AddExtensions", "TerminateAccounts")
	s.env.OnActivity(s.acts.AddExtensions, mock.Anything, mock.Anything).
		Return(activities.ExtensionsResult{}, temporal.NewNonRetryableApplicationError("taken", activities.ErrorTypeConflict, nil))
	s.env.OnActivity(s.acts.TerminateAccounts, mock.Anything, mock.Anything).
		Return(temporal.NewNonRetryableApplicationError("refused", activities.ErrorTypeRejected, nil))

	s.env.ExecuteWorkflow(workflows.Customer, input())

	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &appErr))
	var res workflows.CustomerResult
	s.Require().NoError(appErr.Details(&res))
	s.Equal(store.StatusRollbackFailed, res.Status)
	s.Equal([]string{workflows.StepAccounts}, res.Leftovers)
	s.Equal([]string{workflows.StepExtensions, workflows.StepAlias, workflows.StepCustomer}, res.RolledBack)
}

func (s *customerSuite) TestTransientUndoFailureIsRetried() {
	s.mockHappyPath("AddAlias", "RemoveCustomer")
	s.env.OnActivity(s.acts.AddAlias, mock.Anything, mock.Anything).
		Return(activities.AliasResult{}, temporal.NewNonRetryableApplicationError("taken", activities.ErrorTypeConflict, nil))
	s.env.OnActivity(s.acts.RemoveCustomer, mock.Anything, mock.Anything).
		Return(temporal.NewApplicationError("billing unreachable", activities.ErrorTypeTransient)).Times(3)
	s.env.OnActivity(s.acts.RemoveCustomer, mock.Anything, mock.Anything).Return(nil).Once()

	s.env.ExecuteWorkflow(workflows.Customer, input())

	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &appErr))
	var res workflows.CustomerResult
	s.Require().NoError(appErr.Details(&res))
	s.Equal(store.StatusFailed, res.Status)
	s.Empty(res.Leftovers)
	s.Equal(workflows.StepAlias, res.FailedStep)
}

func (s *customerSuite) TestCancelDuringAliasRollsBack() {
	s.mockHappyPath("AddAlias")
	s.env.OnActivity(s.acts.AddAlias, mock.Anything, mock.Anything).
		After(5*time.Second).Return(activities.AliasResult{ID: "12025550100", IAccount: 3000}, nil)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, 2*time.Second)

	s.env.ExecuteWorkflow(workflows.Customer, input())

	err := s.env.GetWorkflowError()
	var canceled *temporal.CanceledError
	s.Require().True(errors.As(err, &canceled), "want a cancelled workflow, got %v", err)
	var res workflows.CustomerResult
	s.Require().NoError(canceled.Details(&res))
	s.Equal(store.StatusRolledBack, res.Status)
	s.Equal([]string{workflows.StepAlias, workflows.StepAccounts, workflows.StepCustomer}, res.RolledBack)
	i := indexOf(s.calls, "AddAlias")
	s.Equal([]string{"RemoveAlias", "TerminateAccounts", "RemoveCustomer", "Finish"}, s.calls[i+1:])
}

func (s *customerSuite) TestMissingRowFailsWithoutUndo() {
	s.mockHappyPath("Begin")
	s.env.OnActivity(s.acts.Begin, mock.Anything, mock.Anything).
		Return(activities.BeginResult{}, temporal.NewNonRetryableApplicationError("not in store", activities.ErrorTypeInvalid, nil))

	s.env.ExecuteWorkflow(workflows.Customer, input())

	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &appErr))
	var res workflows.CustomerResult
	s.Require().NoError(appErr.Details(&res))
	s.Equal(workflows.StepBegin, res.FailedStep)
	s.Equal([]string{"Begin", "Finish"}, s.calls)
}

// failing returns the mock return values of an activity that fails
// with err: a zero result first for activities that have one.
func failing(activity string, err error) []interface{} {
	switch activity {
	case "CreateCustomer":
		return []interface{}{activities.CreateCustomerResult{}, err}
	case "CreateAccounts":
		return []interface{}{activities.CreateAccountsResult{}, err}
	case "AddAlias":
		return []interface{}{activities.AliasResult{}, err}
	case "AddExtensions":
		return []interface{}{activities.ExtensionsResult{}, err}
	}
	return []interface{}{err}
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func TestCustomerWorkflowIDs(t *testing.T) {
	assert.Equal(t, "batch-b1-customer-7", workflows.CustomerWorkflowID("b1", 7, 1))
	assert.Equal(t, "batch-b1-customer-7-a2", workflows.CustomerWorkflowID("b1", 7, 2))
	id, ok := workflows.ParseBatchWorkflowID("batch-abc")
	require.True(t, ok)
	assert.Equal(t, "abc", id)
	_, ok = workflows.ParseBatchWorkflowID("batch-abc-customer-1")
	assert.False(t, ok)
}
