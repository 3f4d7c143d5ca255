package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/store"
)

// withSummary labels the next activity in the Temporal UI.
func withSummary(ctx workflow.Context, summary string) workflow.Context {
	opts := workflow.GetActivityOptions(ctx)
	opts.Summary = summary
	return workflow.WithActivityOptions(ctx, opts)
}

// publish shows what the customer is doing in the UI's current details and
// sets the CustomerStatus search attribute when the customer ends without
// being created. An empty step publishes the final status.
func (c *customerRun) publish(ctx workflow.Context, step string) {
	status := c.res.Status
	if status == "" {
		status = "running"
	}
	text := fmt.Sprintf("Customer index %d of %d", c.in.Index, c.in.Total)
	if c.res.Login != "" {
		text += fmt.Sprintf(", login **%s**", c.res.Login)
	}
	text += fmt.Sprintf(", batch %s, attempt %d\n\n", c.in.BatchID, max(c.in.Attempt, 1))
	if step != "" {
		text += "Step: " + step
	} else {
		text += "Status: **" + status + "**"
		if c.res.FailedStep != "" && c.res.Error != nil {
			text += fmt.Sprintf("\n\nFailed at %s: %s", c.res.FailedStep, c.res.Error.Message)
		}
	}
	workflow.SetCurrentDetails(ctx, text)

	if status == c.lastStatus {
		return
	}
	if c.in.RowNames && (status == store.StatusRunning || status == store.StatusCreated) {
		// Temporal's ExecutionStatus (Running, Completed) already shows
		// these, and each update is a visibility write.
		return
	}
	c.lastStatus = status
	if err := workflow.UpsertTypedSearchAttributes(ctx, SearchAttributeCustomerStatus.ValueSet(status)); err != nil {
		c.log.Error("set CustomerStatus search attribute", "status", status, "error", err)
	}
}

// announceLogin makes the customer findable by login once the row is
// loaded, when the parent started the child without the login.
func (c *customerRun) announceLogin(ctx workflow.Context) {
	if c.res.Login == "" || (c.res.Login == c.in.Login && c.res.Name == c.in.Name) {
		// No login, or the parent started the customer with it.
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SearchAttributeCustomerLogin.ValueSet(c.res.Login)); err != nil {
		c.log.Error("set CustomerLogin search attribute", "error", err)
	}
	if err := workflow.UpsertMemo(ctx, map[string]any{"login": c.res.Login, "name": c.res.Name}); err != nil {
		c.log.Error("add login to memo", "error", err)
	}
}
