package activities

import (
	"context"

	"github.com/portaplus2/batchcustomers/billing"
)

// CreateCustomerResult carries the billing id of the customer.
type CreateCustomerResult struct {
	ICustomer int64
}

// CreateCustomer ensures the customer exists: it adopts a customer of the
// same name that carries this row's mark, and creates one otherwise. A
// customer of that name made by anyone else, or a closed one, fails with
// Conflict.
func (a *Activities) CreateCustomer(ctx context.Context, ref CustomerRef) (CreateCustomerResult, error) {
	p, err := a.plan(ctx, ref)
	if err != nil {
		return CreateCustomerResult{}, err
	}
	if retried(ctx) {
		found, err := a.Billing.GetCustomerByName(ctx, p.Name)
		if err != nil {
			return CreateCustomerResult{}, classify("look up customer", err)
		}
		if found != nil {
			id, err := adoptCustomer(found, ref.Mark)
			return CreateCustomerResult{ICustomer: id}, err
		}
	}

	info := make(map[string]any, len(p.Customer)+1)
	for k, v := range p.Customer {
		info[k] = v
	}
	note, _ := info["note"].(string)
	info["note"] = billing.WithMark(note, ref.Mark)
	id, err := a.Billing.AddCustomer(ctx, info)
	if billing.ClassOf(err) == billing.ClassDuplicate {
		// An earlier attempt or run may have created it and lost the
		// response, or the name belongs to someone else. The lookup
		// shows which.
		found, lerr := a.Billing.GetCustomerByName(ctx, p.Name)
		if lerr != nil {
			return CreateCustomerResult{}, classify("look up customer", lerr)
		}
		if found == nil {
			return CreateCustomerResult{}, classify("add customer", err)
		}
		id, err := adoptCustomer(found, ref.Mark)
		return CreateCustomerResult{ICustomer: id}, err
	}
	if err != nil {
		return CreateCustomerResult{}, classify("add customer", err)
	}
	logger(ctx, ref).Info("customer created", "login", p.Login, "i_customer", id)
	return CreateCustomerResult{ICustomer: id}, nil
}

func adoptCustomer(c *billing.CustomerInfo, mark string) (int64, error) {
	if !billing.HasMark(string(c.Note), mark) {
		return 0, conflict("customer %q already exists in billing (i_customer %d) and was not created by this batch row",
			c.Name, c.ICustomer)
	}
	if c.Closed() {
		return 0, conflict("customer %q (i_customer %d) was created by this batch row but is closed",
			c.Name, c.ICustomer)
	}
	return int64(c.ICustomer), nil
}

// RemoveCustomer undoes CreateCustomer: it deletes the customer, or
// terminates it when billing refuses the delete because the customer still
// owns records. A customer that is absent, closed or not this row's is
// left alone.
func (a *Activities) RemoveCustomer(ctx context.Context, ref CustomerRef) error {
	p, err := a.plan(ctx, ref)
	if err != nil {
		return err
	}
	found, err := a.Billing.GetCustomerByName(ctx, p.Name)
	if err != nil {
		return classify("look up customer", err)
	}
	if found == nil || found.Closed() || !billing.HasMark(string(found.Note), ref.Mark) {
		return nil
	}
	id := int64(found.ICustomer)
	err = a.Billing.DeleteCustomer(ctx, id)
	if err == nil {
		logger(ctx, ref).Info("customer deleted", "login", p.Login, "i_customer", id)
		return nil
	}
	switch billing.ClassOf(err) {
	case billing.ClassTransient, billing.ClassAuth:
		return classify("delete customer", err)
	case billing.ClassNotFound:
		return nil
	}
	// Billing keeps a customer that owns closed accounts or usage
	// records; terminating is the only undo left.
	logger(ctx, ref).Info("customer cannot be deleted, terminating it",
		"login", p.Login, "i_customer", id, "fault_code", billing.FaultCode(err))
	err = a.Billing.TerminateCustomer(ctx, id)
	if billing.ClassOf(err) == billing.ClassNotFound {
		return nil
	}
	return classify("terminate customer", err)
}
