package billing

import (
	"context"
	"strings"
)

// markPrefix starts the line of a record's note that names who created
// it. The service adopts a record found under its natural key only when
// this line names the same creator, so a stranger's record is never taken
// over or rolled back. The note is the one free-text field that customers,
// accounts and aliases all have.
const markPrefix = "provisioned-by: "

// WithMark returns note with the creation mark appended on its own line.
func WithMark(note, mark string) string {
	if note == "" {
		return markPrefix + mark
	}
	return note + "\n" + markPrefix + mark
}

// HasMark reports whether note carries exactly this creation mark.
func HasMark(note, mark string) bool {
	for _, line := range strings.Split(note, "\n") {
		if strings.TrimSpace(line) == markPrefix+mark {
			return true
		}
	}
	return false
}

// GetCustomerByName returns the customer with this unique name, or nil.
func (c *Client) GetCustomerByName(ctx context.Context, name string) (*CustomerInfo, error) {
	var res struct {
		CustomerInfo *CustomerInfo `json:"customer_info"`
	}
	err := c.Call(ctx, "Customer.get_customer_info", map[string]any{"name": name}, &res)
	if err != nil {
		if ClassOf(err) == ClassNotFound {
			return nil, nil
		}
		return nil, err
	}
	if res.CustomerInfo == nil || res.CustomerInfo.ICustomer == 0 {
		return nil, nil
	}
	return res.CustomerInfo, nil
}

// AddCustomer creates a customer from customer_info and returns its id.
func (c *Client) AddCustomer(ctx context.Context, info map[string]any) (int64, error) {
	var res struct {
		ICustomer Int `json:"i_customer"`
	}
	err := c.Call(ctx, "Customer.add_customer", map[string]any{"customer_info": info}, &res)
	return int64(res.ICustomer), err
}

// DeleteCustomer removes a customer that owns nothing.
func (c *Client) DeleteCustomer(ctx context.Context, iCustomer int64) error {
	return c.Call(ctx, "Customer.delete_customer", map[string]any{"i_customer": iCustomer}, nil)
}

// TerminateCustomer closes a customer for good.
func (c *Client) TerminateCustomer(ctx context.Context, iCustomer int64) error {
	return c.Call(ctx, "Customer.terminate_customer", map[string]any{"i_customer": iCustomer}, nil)
}

// GetAccountByID returns the account or alias with this id, or nil.
func (c *Client) GetAccountByID(ctx context.Context, id string) (*AccountInfo, error) {
	return c.getAccount(ctx, map[string]any{"id": id})
}

// GetAccount returns the account with this i_account and the named
// service features, or nil.
func (c *Client) GetAccount(ctx context.Context, iAccount int64, features ...string) (*AccountInfo, error) {
	params := map[string]any{"i_account": iAccount}
	if len(features) > 0 {
		params["get_service_features"] = features
	}
	return c.getAccount(ctx, params)
}

func (c *Client) getAccount(ctx context.Context, params map[string]any) (*AccountInfo, error) {
	var res struct {
		AccountInfo *AccountInfo `json:"account_info"`
	}
	err := c.Call(ctx, "Account.get_account_info", params, &res)
	if err != nil {
		if ClassOf(err) == ClassNotFound {
			return nil, nil
		}
		return nil, err
	}
	if res.AccountInfo == nil || res.AccountInfo.IAccount == 0 {
		return nil, nil
	}
	return res.AccountInfo, nil
}

// AddAccount creates an account from account_info and returns its id.
func (c *Client) AddAccount(ctx context.Context, info map[string]any) (int64, error) {
	var res struct {
		IAccount Int `json:"i_account"`
	}
	err := c.Call(ctx, "Account.add_account", map[string]any{"account_info": info}, &res)
	return int64(res.IAccount), err
}

// TerminateAccount closes an account for good; billing has no delete.
func (c *Client) TerminateAccount(ctx context.Context, iAccount int64) error {
	return c.Call(ctx, "Account.terminate_account", map[string]any{"i_account": iAccount}, nil)
}

// AddAlias adds a number-only alias (blocked "Y": no SIP login) to an
// account. Billing's answer is not relied on: look the alias up instead.
func (c *Client) AddAlias(ctx context.Context, iMasterAccount int64, id string) error {
	info := map[string]any{"i_master_account": iMasterAccount, "id": id, "blocked": "Y"}
	return c.Call(ctx, "Account.add_alias", map[string]any{"alias_info": info}, nil)
}

// DeleteAlias removes an alias from its account.
func (c *Client) DeleteAlias(ctx context.Context, iAlias, iMasterAccount int64) error {
	info := map[string]any{"i_account": iAlias, "i_master_account": iMasterAccount}
	return c.Call(ctx, "Account.delete_alias", map[string]any{"alias_info": info}, nil)
}

// UpdateAccountServiceFeatures sets the listed features of an account and
// leaves the others alone.
func (c *Client) UpdateAccountServiceFeatures(ctx context.Context, iAccount int64, features []ServiceFeature) error {
	params := map[string]any{"i_account": iAccount, "service_features": features}
	return c.Call(ctx, "Account.update_service_features", params, nil)
}

// FindExtension returns the customer's extension with exactly this
// number, or nil.
func (c *Client) FindExtension(ctx context.Context, iCustomer int64, number string) (*Extension, error) {
	const page = 100
	for offset := 0; ; offset += page {
		var res struct {
			List []Extension `json:"extensions_list"`
		}
		params := map[string]any{
			// Validated extension numbers are digits, so the number is
			// its own exact pattern.
			"i_customer": iCustomer, "extension": number,
			"limit": page, "offset": offset,
		}
		if err := c.Call(ctx, "Customer.get_extensions_list", params, &res); err != nil {
			return nil, err
		}
		for i := range res.List {
			if string(res.List[i].ID) == number {
				return &res.List[i], nil
			}
		}
		if len(res.List) < page {
			return nil, nil
		}
	}
}

// AddExtension adds a PBX extension pointing at an account.
func (c *Client) AddExtension(ctx context.Context, iCustomer int64, number string, iAccount int64, name string) (int64, error) {
	var res struct {
		ICExt Int `json:"i_c_ext"`
	}
	params := map[string]any{"i_customer": iCustomer, "id": number, "i_account": iAccount}
	if name != "" {
		params["name"] = name
	}
	err := c.Call(ctx, "Customer.add_customer_extension", params, &res)
	return int64(res.ICExt), err
}

// DeleteExtension removes an extension; its account stays.
func (c *Client) DeleteExtension(ctx context.Context, iCustomer, iCExt int64) error {
	params := map[string]any{"i_customer": iCustomer, "i_c_ext": iCExt}
	return c.Call(ctx, "Customer.delete_customer_extension", params, nil)
}
