package activities

import (
	"context"
	"slices"

	"github.com/portaplus2/batchcustomers/billing"
)

// AliasInput names the account that owns the alias.
type AliasInput struct {
	CustomerRef
	IMasterAccount int64
}

// AliasResult names the alias record.
type AliasResult struct {
	ID       string
	IAccount int64
}

// AddAlias ensures the row's alias number belongs to the primary account.
// The number held by any other account fails with Conflict.
func (a *Activities) AddAlias(ctx context.Context, in AliasInput) (AliasResult, error) {
	p, err := a.plan(ctx, in.CustomerRef)
	if err != nil {
		return AliasResult{}, err
	}
	if p.Alias == "" {
		return AliasResult{}, nil
	}
	var found *billing.AccountInfo
	if retried(ctx) {
		if found, err = a.Billing.GetAccountByID(ctx, p.Alias); err != nil {
			return AliasResult{}, classify("look up alias", err)
		}
	}
	if found == nil {
		err = a.Billing.AddAlias(ctx, in.IMasterAccount, p.Alias)
		if err != nil && billing.ClassOf(err) != billing.ClassDuplicate {
			return AliasResult{}, classify("add alias "+p.Alias, err)
		}
		// add_alias's answer is not documented, and a duplicate may be
		// our own lost answer: the record itself tells.
		found, err = a.Billing.GetAccountByID(ctx, p.Alias)
		if err != nil {
			return AliasResult{}, classify("look up alias", err)
		}
		if found == nil {
			return AliasResult{}, conflict("alias %s was not found in billing after adding it", p.Alias)
		}
	}
	if found.BillingModel != billing.BillingModelAlias || int64(found.IMasterAccount) != in.IMasterAccount || found.Closed() {
		return AliasResult{}, conflict("number %s is already used in billing (i_account %d) by another account",
			p.Alias, found.IAccount)
	}
	logger(ctx, in.CustomerRef).Info("alias added", "alias", p.Alias, "i_account", int64(found.IAccount))
	return AliasResult{ID: p.Alias, IAccount: int64(found.IAccount)}, nil
}

// RemoveAlias undoes AddAlias. The alias is deleted only when its owner
// is an account that carries this row's mark.
func (a *Activities) RemoveAlias(ctx context.Context, ref CustomerRef) error {
	p, err := a.plan(ctx, ref)
	if err != nil {
		return err
	}
	if p.Alias == "" {
		return nil
	}
	found, err := a.Billing.GetAccountByID(ctx, p.Alias)
	if err != nil {
		return classify("look up alias", err)
	}
	if found == nil || found.Closed() || found.BillingModel != billing.BillingModelAlias {
		return nil
	}
	owner, err := a.Billing.GetAccount(ctx, int64(found.IMasterAccount))
	if err != nil {
		return classify("look up alias owner", err)
	}
	if owner == nil || !billing.HasMark(string(owner.Note), ref.Mark) {
		return nil
	}
	err = a.Billing.DeleteAlias(ctx, int64(found.IAccount), int64(found.IMasterAccount))
	if err != nil && billing.ClassOf(err) != billing.ClassNotFound {
		return classify("delete alias "+p.Alias, err)
	}
	logger(ctx, ref).Info("alias deleted", "alias", p.Alias)
	return nil
}

// DisplayInput lists the accounts that get the display name and number.
type DisplayInput struct {
	CustomerRef
	Accounts []int64
}

// SetDisplay sets the cli feature (caller display name and number) on
// every account of the row and reads it back. Setting a value is
// idempotent, so retries resend freely. A read-back that differs fails
// with Rejected.
func (a *Activities) SetDisplay(ctx context.Context, in DisplayInput) error {
	p, err := a.plan(ctx, in.CustomerRef)
	if err != nil {
		return err
	}
	if p.Display == nil {
		return nil
	}
	for _, acc := range in.Accounts {
		err := a.Billing.UpdateAccountServiceFeatures(ctx, acc, []billing.ServiceFeature{*p.Display})
		if err != nil {
			return classify("set display name and number", err)
		}
		got, err := a.Billing.GetAccount(ctx, acc, p.Display.Name)
		if err != nil {
			return classify("read display name and number", err)
		}
		if got == nil || !featureApplied(got.ServiceFeatures, *p.Display) {
			return rejected("billing did not keep the display name and number on account %d", acc)
		}
	}
	logger(ctx, in.CustomerRef).Info("display name and number set", "accounts", len(in.Accounts))
	return nil
}

// featureApplied reports whether every attribute sent is read back with
// the same values.
func featureApplied(have []billing.ServiceFeature, want billing.ServiceFeature) bool {
	for _, f := range have {
		if f.Name != want.Name {
			continue
		}
		for _, w := range want.Attributes {
			i := slices.IndexFunc(f.Attributes, func(h billing.Attribute) bool { return h.Name == w.Name })
			if i < 0 || !slices.Equal(billing.Strings(f.Attributes[i].Values), billing.Strings(w.Values)) {
				return false
			}
		}
		return true
	}
	return false
}

// ExtensionsInput names the customer and its accounts in plan order.
type ExtensionsInput struct {
	CustomerRef
	ICustomer int64
	Accounts  []AccountRef
}

// ExtensionRef names a created extension.
type ExtensionRef struct {
	Number   string
	ICExt    int64
	IAccount int64
}

// ExtensionsResult lists the extensions of the customer.
type ExtensionsResult struct {
	Extensions []ExtensionRef
}

// AddExtensions ensures each PBX extension of the row exists and points
// at its account. A number already used for another account fails with
// Conflict.
func (a *Activities) AddExtensions(ctx context.Context, in ExtensionsInput) (ExtensionsResult, error) {
	p, err := a.plan(ctx, in.CustomerRef)
	if err != nil {
		return ExtensionsResult{}, err
	}
	var out ExtensionsResult
	for _, ext := range p.Extensions {
		if ext.Account >= len(in.Accounts) {
			return ExtensionsResult{}, invalid("extension %s points at account %d of %d", ext.Number, ext.Account, len(in.Accounts))
		}
		iAccount := in.Accounts[ext.Account].IAccount
		iExt, err := a.ensureExtension(ctx, in.ICustomer, ext.Number, iAccount, ext.Name)
		if err != nil {
			return ExtensionsResult{}, err
		}
		out.Extensions = append(out.Extensions, ExtensionRef{Number: ext.Number, ICExt: iExt, IAccount: iAccount})
	}
	logger(ctx, in.CustomerRef).Info("extensions added", "extensions", len(out.Extensions))
	return out, nil
}

func (a *Activities) ensureExtension(ctx context.Context, iCustomer int64, number string, iAccount int64, name string) (int64, error) {
	var found *billing.Extension
	if retried(ctx) {
		var err error
		if found, err = a.Billing.FindExtension(ctx, iCustomer, number); err != nil {
			return 0, classify("look up extension", err)
		}
	}
	if found == nil {
		id, err := a.Billing.AddExtension(ctx, iCustomer, number, iAccount, name)
		if err == nil {
			return id, nil
		}
		if billing.ClassOf(err) != billing.ClassDuplicate {
			return 0, classify("add extension "+number, err)
		}
		found, err = a.Billing.FindExtension(ctx, iCustomer, number)
		if err != nil {
			return 0, classify("look up extension", err)
		}
		if found == nil {
			return 0, conflict("extension %s is taken by a hunt group or another object", number)
		}
	}
	if int64(found.IAccount) != iAccount {
		return 0, conflict("extension %s already points at account %d", number, found.IAccount)
	}
	return int64(found.ICExt), nil
}

// RemoveExtensions undoes AddExtensions: it deletes the row's extension
// numbers from the customer, when the customer carries this row's mark.
func (a *Activities) RemoveExtensions(ctx context.Context, ref CustomerRef) error {
	p, err := a.plan(ctx, ref)
	if err != nil {
		return err
	}
	cust, err := a.Billing.GetCustomerByName(ctx, p.Name)
	if err != nil {
		return classify("look up customer", err)
	}
	if cust == nil || !billing.HasMark(string(cust.Note), ref.Mark) {
		return nil
	}
	iCustomer := int64(cust.ICustomer)
	for _, ext := range p.Extensions {
		found, err := a.Billing.FindExtension(ctx, iCustomer, ext.Number)
		if err != nil {
			return classify("look up extension", err)
		}
		if found == nil {
			continue
		}
		err = a.Billing.DeleteExtension(ctx, iCustomer, int64(found.ICExt))
		if err != nil && billing.ClassOf(err) != billing.ClassNotFound {
			return classify("delete extension "+ext.Number, err)
		}
	}
	logger(ctx, ref).Info("extensions deleted", "extensions", len(p.Extensions))
	return nil
}
