package emulator

import (
	"maps"
)

// addAlias implements Account.add_alias. An alias is an account record
// with billing_model 2 that belongs to its master's customer. Its id
// shares the account id namespace, and blocked defaults to Y.
func (s *Server) addAlias(c *call) (any, error) {
	info, err := c.p.requiredObject("alias_info")
	if err != nil {
		return nil, err
	}
	masterID, err := info.requiredID("i_master_account")
	if err != nil {
		return nil, err
	}
	id, err := accountID(info)
	if err != nil {
		return nil, err
	}
	blocked, err := yesNo(info, "blocked", "Y")
	if err != nil {
		return nil, err
	}
	note, _, err := info.str("note")
	if err != nil {
		return nil, err
	}

	alias := &Account{
		ID:             id,
		BillingModel:   billingModelAlias,
		IMasterAccount: &masterID,
		Note:           note,
		BillStatus:     statusOpen,
		Blocked:        blocked,
		Info:           normalizeIDs(maps.Clone(info.m)),
	}
	err = s.store.write(c.ctx, func(tx *txn) error {
		master, err := findAccount(tx, "i_account = ? AND bill_status <> 'C' AND billing_model <> ?",
			masterID, billingModelAlias)
		if err != nil {
			return err
		}
		if master == nil {
			return faultf(FaultMasterNotFound, "Master account %d not found or closed", masterID)
		}
		alias.ICustomer = master.ICustomer
		if err := checkAccount(tx, alias); err != nil {
			return err
		}
		if alias.IAccount, err = s.store.nextID(tx, seqAccount); err != nil {
			return err
		}
		return saveAccount(tx, alias)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_account": alias.IAccount}, nil
}

// getAliasList implements Account.get_alias_list: the open aliases of a
// master account, with limit, offset and get_total.
func (s *Server) getAliasList(c *call) (any, error) {
	masterID, err := c.p.requiredID("i_master_account")
	if err != nil {
		return nil, err
	}
	limit, offset, err := c.p.page()
	if err != nil {
		return nil, err
	}
	q := listQuery{}
	q.add("i_master_account = ? AND billing_model = ? AND bill_status <> ?",
		masterID, billingModelAlias, statusClosed)

	list, total, err := s.listAccounts(c, q, limit, offset)
	if err != nil {
		return nil, err
	}
	views := make([]map[string]any, 0, len(list))
	for _, a := range list {
		views = append(views, map[string]any{
			"i_account":        a.IAccount,
			"id":               a.ID,
			"i_master_account": masterID,
			"blocked":          a.Blocked,
			"bill_status":      a.BillStatus,
		})
	}
	out := map[string]any{"alias_list": views}
	if c.p.flag("get_total") {
		out["total"] = total
	}
	return out, nil
}

// deleteAlias implements Account.delete_alias. The alias is found by
// alias_info.i_account (or alias_info.id); i_master_account is optional
// but must match when sent. The record is removed, freeing its id.
func (s *Server) deleteAlias(c *call) (any, error) {
	info, err := c.p.requiredObject("alias_info")
	if err != nil {
		return nil, err
	}
	where, arg, err := aliasKey(info)
	if err != nil {
		return nil, err
	}
	masterID, hasMaster, err := info.id("i_master_account")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		alias, err := findAccount(tx, where+" AND billing_model = ? AND bill_status <> 'C'",
			arg, billingModelAlias)
		if err != nil {
			return err
		}
		if alias == nil {
			return faultf(FaultAliasNotFound, "Alias %v not found", arg)
		}
		if hasMaster && (alias.IMasterAccount == nil || *alias.IMasterAccount != masterID) {
			return faultf(FaultAliasNotFound, "Alias %v not found under master account %d", arg, masterID)
		}
		_, err = tx.Exec("DELETE FROM accounts WHERE i_account = ?", alias.IAccount)
		return err
	})
	if err != nil {
		return nil, err
	}
	return success(), nil
}

func aliasKey(info fields) (where string, arg any, err error) {
	if id, ok, err := info.id("i_account"); err != nil || ok {
		return "i_account = ?", id, err
	}
	if id, ok, err := info.str("id"); err != nil || ok {
		return "id = ?", id, err
	}
	return "", nil, missingField(info.service, info.fieldPath("i_account"))
}
