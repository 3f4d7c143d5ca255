package activities

import (
	"context"

	"github.com/portaplus2/batchcustomers/billing"
)

// AccountRef names a created account.
type AccountRef struct {
	ID       string
	IAccount int64
}

// CreateAccountsInput lists the account ids to create, in plan order. The
// workflow decides generated ids once, so every attempt uses the same ones.
type CreateAccountsInput struct {
	CustomerRef
	ICustomer int64
	IDs       []string
}

// CreateAccountsResult lists the accounts in plan order; the first one is
// the primary account.
type CreateAccountsResult struct {
	Accounts []AccountRef
}

// CreateAccounts ensures every account of the row exists under the
// customer. An id held by an alias, by another customer's account or by an
// account without this row's mark fails with Conflict.
func (a *Activities) CreateAccounts(ctx context.Context, in CreateAccountsInput) (CreateAccountsResult, error) {
	p, err := a.plan(ctx, in.CustomerRef)
	if err != nil {
		return CreateAccountsResult{}, err
	}
	if len(in.IDs) != len(p.Accounts) {
		return CreateAccountsResult{}, invalid("got %d account ids for %d accounts", len(in.IDs), len(p.Accounts))
	}
	var out CreateAccountsResult
	for i, acc := range p.Accounts {
		info := make(map[string]any, len(acc.Info)+3)
		for k, v := range acc.Info {
			info[k] = v
		}
		info["id"] = in.IDs[i]
		info["i_customer"] = in.ICustomer
		info["note"] = billing.WithMark("", in.Mark)
		id, err := a.ensureAccount(ctx, in, in.IDs[i], info)
		if err != nil {
			return CreateAccountsResult{}, err
		}
		out.Accounts = append(out.Accounts, AccountRef{ID: in.IDs[i], IAccount: id})
	}
	logger(ctx, in.CustomerRef).Info("accounts created", "accounts", len(out.Accounts))
	return out, nil
}

func (a *Activities) ensureAccount(ctx context.Context, in CreateAccountsInput, id string, info map[string]any) (int64, error) {
	if retried(ctx) {
		found, err := a.Billing.GetAccountByID(ctx, id)
		if err != nil {
			return 0, classify("look up account", err)
		}
		if found != nil {
			return adoptAccount(found, in)
		}
	}
	iAccount, err := a.Billing.AddAccount(ctx, info)
	if billing.ClassOf(err) == billing.ClassDuplicate {
		found, lerr := a.Billing.GetAccountByID(ctx, id)
		if lerr != nil {
			return 0, classify("look up account", lerr)
		}
		if found == nil {
			return 0, classify("add account "+id, err)
		}
		return adoptAccount(found, in)
	}
	if err != nil {
		return 0, classify("add account "+id, err)
	}
	return iAccount, nil
}

func adoptAccount(acc *billing.AccountInfo, in CreateAccountsInput) (int64, error) {
	switch {
	case acc.BillingModel == billing.BillingModelAlias:
		return 0, conflict("account id %s is already an alias number in billing", acc.ID)
	case !billing.HasMark(string(acc.Note), in.Mark) || int64(acc.ICustomer) != in.ICustomer:
		return 0, conflict("account id %s already exists in billing (i_account %d) and was not created by this batch row",
			acc.ID, acc.IAccount)
	case acc.Closed():
		return 0, conflict("account id %s (i_account %d) was created by this batch row but is closed", acc.ID, acc.IAccount)
	}
	return int64(acc.IAccount), nil
}

// TerminateAccountsInput names the accounts to undo by id.
type TerminateAccountsInput struct {
	CustomerRef
	IDs []string
}

// TerminateAccounts undoes CreateAccounts. Billing cannot delete an
// account, so each one that carries this row's mark is terminated; ids
// that are absent, closed or someone else's are left alone.
func (a *Activities) TerminateAccounts(ctx context.Context, in TerminateAccountsInput) error {
	for _, id := range in.IDs {
		found, err := a.Billing.GetAccountByID(ctx, id)
		if err != nil {
			return classify("look up account", err)
		}
		if found == nil || found.Closed() || found.BillingModel == billing.BillingModelAlias ||
			!billing.HasMark(string(found.Note), in.Mark) {
			continue
		}
		err = a.Billing.TerminateAccount(ctx, int64(found.IAccount))
		if err != nil && billing.ClassOf(err) != billing.ClassNotFound {
			return classify("terminate account "+id, err)
		}
		logger(ctx, in.CustomerRef).Info("account terminated", "account_id", id, "i_account", int64(found.IAccount))
	}
	return nil
}
