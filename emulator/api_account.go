package emulator

import (
	"fmt"
	"maps"
	"strings"
	"unicode"
)

// maxAccountIDLength is the longest account or alias id PortaBilling takes.
const maxAccountIDLength = 64

// billingModelAlias marks alias records; aliases are created with
// add_alias only.
const billingModelAlias = 2

// validBillingModels are the billing_model values add_account accepts:
// debit, recharge voucher, credit, internal and beneficiary.
var validBillingModels = map[int64]bool{-1: true, 0: true, 1: true, 3: true, 4: true}

// accountFromInfo builds an account from an account_info object and
// checks the fields that need no database.
func (s *Server) accountFromInfo(info fields) (*Account, []featureUpdate, error) {
	blob := normalizeIDs(maps.Clone(info.m))
	updates, err := splitFeatures(info.service, info.path, blob)
	if err != nil {
		return nil, nil, err
	}
	info = newFields(info.service, info.path, blob)

	a := &Account{Info: blob, BillStatus: statusOpen}
	if a.ID, err = accountID(info); err != nil {
		return nil, nil, err
	}
	if a.ICustomer, err = info.requiredID("i_customer"); err != nil {
		return nil, nil, err
	}
	product, err := info.requiredID("i_product")
	if err != nil {
		return nil, nil, err
	}
	if product <= 0 {
		return nil, nil, invalidField(info.service, info.fieldPath("i_product"), "must be positive")
	}
	model, err := info.requiredID("billing_model")
	if err != nil {
		return nil, nil, err
	}
	if !validBillingModels[model] {
		return nil, nil, invalidField(info.service, info.fieldPath("billing_model"),
			"want -1, 0, 1, 3 or 4; create aliases with add_alias")
	}
	a.BillingModel = int(model)

	if a.Note, _, err = info.str("note"); err != nil {
		return nil, nil, err
	}
	if a.Blocked, err = yesNo(info, "blocked", "N"); err != nil {
		return nil, nil, err
	}
	if _, _, err = info.str("login"); err != nil {
		return nil, nil, err
	}
	if s.cfg.WeakPasswordCheck {
		if err := checkServicePassword(info, a.ID); err != nil {
			return nil, nil, err
		}
	}
	return a, updates, nil
}

// accountID reads a required account or alias id of at most 64 characters.
func accountID(info fields) (string, error) {
	id, err := info.requiredStr("id")
	if err != nil {
		return "", err
	}
	if len([]rune(id)) > maxAccountIDLength {
		return "", faultf("Client."+info.service+".too_long."+info.fieldPath("id"),
			"Field %s is longer than %d characters", info.fieldPath("id"), maxAccountIDLength)
	}
	return id, nil
}

// checkServicePassword rejects an h323_password that is easy to guess:
// shorter than 8 characters, without both a letter and a digit, or
// containing the account id or login.
func checkServicePassword(info fields, id string) error {
	password, ok, err := info.str("h323_password")
	if err != nil || !ok {
		return err
	}
	login, _, _ := info.str("login")

	hasLetter := strings.ContainsFunc(password, unicode.IsLetter)
	hasDigit := strings.ContainsFunc(password, unicode.IsDigit)
	lower := strings.ToLower(password)
	weak := len(password) < 8 || !hasLetter || !hasDigit ||
		strings.Contains(lower, strings.ToLower(id)) ||
		(login != "" && strings.Contains(lower, strings.ToLower(login)))
	if weak {
		return faultf(FaultWeakPassword, WeakPasswordMessage)
	}
	return nil
}

// checkAccount enforces the rules that need the database: the id is free
// among accounts and aliases, a login is free among open accounts, and the
// customer exists and is open.
func checkAccount(tx *txn, a *Account) error {
	other, err := findAccount(tx, "id = ? AND i_account <> ?", a.ID, a.IAccount)
	if err != nil {
		return err
	}
	if other != nil {
		return faultf(FaultAccountDuplicateID, "Account with id %q already exists (i_account %d)",
			a.ID, other.IAccount)
	}

	if login, _ := a.Info["login"].(string); login != "" {
		other, err := findAccount(tx, "login = ? AND bill_status <> 'C' AND i_account <> ?",
			login, a.IAccount)
		if err != nil {
			return err
		}
		if other != nil {
			return faultf(FaultAccountDuplicateLogin, "Account login %q is already in use", login)
		}
	}

	cust, err := findCustomer(tx, "i_customer = ?", a.ICustomer)
	if err != nil {
		return err
	}
	if cust == nil || cust.BillStatus == statusClosed {
		return faultf(FaultAccountCustomer, "Customer %d not found or closed", a.ICustomer)
	}
	return nil
}

// addAccount implements Account.add_account.
func (s *Server) addAccount(c *call) (any, error) {
	info, err := c.p.requiredObject("account_info")
	if err != nil {
		return nil, err
	}
	acc, updates, err := s.accountFromInfo(info)
	if err != nil {
		return nil, err
	}
	acc.ServiceFeatures = mergeFeatures(nil, updates)

	err = s.store.write(c.ctx, func(tx *txn) error {
		if err := checkAccount(tx, acc); err != nil {
			return err
		}
		id, err := s.store.nextID(tx, seqAccount)
		if err != nil {
			return err
		}
		acc.IAccount = id
		return saveAccount(tx, acc)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_account": acc.IAccount}, nil
}

// validateAccountInfo implements Account.validate_account_info: the checks
// of add_account without the insert.
func (s *Server) validateAccountInfo(c *call) (any, error) {
	info, err := c.p.requiredObject("account_info")
	if err != nil {
		return nil, err
	}
	acc, _, err := s.accountFromInfo(info)
	if err != nil {
		return nil, err
	}
	acc.IAccount, _, _ = info.id("i_account")

	err = s.store.read(c.ctx, func(tx *txn) error { return checkAccount(tx, acc) })
	if err != nil {
		return nil, err
	}
	return success(), nil
}

// getAccountInfo implements Account.get_account_info by i_account, id or
// login, with the get_service_features, without_service_features,
// detailed_info and with_customer_info options. An unknown account gives
// an empty object; closed accounts and aliases are returned too.
func (s *Server) getAccountInfo(c *call) (any, error) {
	where, arg, err := accountKey(c.p)
	if err != nil {
		return nil, err
	}

	var acc *Account
	var cust *Customer
	var ext *Extension
	err = s.store.read(c.ctx, func(tx *txn) error {
		var err error
		if acc, err = findAccount(tx, where, arg); err != nil || acc == nil {
			return err
		}
		if cust, err = findCustomer(tx, "i_customer = ?", acc.ICustomer); err != nil {
			return err
		}
		exts, err := queryExtensions(tx, "i_account = ? ORDER BY i_c_ext LIMIT 1", acc.IAccount)
		if len(exts) > 0 {
			ext = &exts[0]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if acc == nil {
		return map[string]any{}, nil
	}

	var parentFeatures []ServiceFeature
	if cust != nil {
		parentFeatures = cust.ServiceFeatures
	}
	view := accountView(acc, newFeatureReader(c.p, true), parentFeatures)
	if c.p.flag("detailed_info") {
		view["extension_id"], view["extension_name"] = nil, nil
		if ext != nil {
			view["extension_id"], view["extension_name"] = ext.ID, ext.Name
		}
	}
	out := map[string]any{"account_info": view}
	if c.p.flag("with_customer_info") && cust != nil {
		out["customer_info"] = customerView(cust, featureReader{none: true})
	}
	return out, nil
}

func accountKey(p fields) (where string, arg any, err error) {
	if id, ok, err := p.id("i_account"); err != nil || ok {
		return "i_account = ?", id, err
	}
	if id, ok, err := p.str("id"); err != nil || ok {
		return "id = ?", id, err
	}
	if login, ok, err := p.str("login"); err != nil || ok {
		return "login = ? AND login <> ''", login, err
	}
	return "", nil, faultf("Client.Account.missing_required_field.i_account",
		"One of i_account, id or login is required")
}

// accountView is the account_info object: every stored field, with the
// columns the emulator manages written over them.
func accountView(a *Account, fr featureReader, parentFeatures []ServiceFeature) map[string]any {
	out := maps.Clone(a.Info)
	out["i_account"] = a.IAccount
	out["id"] = a.ID
	out["i_customer"] = a.ICustomer
	out["billing_model"] = a.BillingModel
	out["note"] = a.Note
	out["bill_status"] = a.BillStatus
	out["blocked"] = a.Blocked
	out["is_active"] = 0
	if a.BillStatus == statusOpen {
		out["is_active"] = 1
	}
	if a.IMasterAccount != nil {
		out["i_master_account"] = *a.IMasterAccount
	}
	if views := fr.render(a.ServiceFeatures, parentFeatures); views != nil {
		out[featuresKey] = views
	}
	return out
}

// openAccount loads an account that exists and is not closed.
func openAccount(tx *txn, id int64) (*Account, error) {
	acc, err := findAccount(tx, "i_account = ? AND bill_status <> 'C'", id)
	if err != nil {
		return nil, err
	}
	if acc == nil {
		return nil, faultf(FaultAccountNotFound, "Account %d not found or already closed", id)
	}
	return acc, nil
}

// terminateAccount implements Account.terminate_account. The account and
// its aliases are closed and their ids renamed to <id>-old<NNN>, so the
// numbers can be used again.
func (s *Server) terminateAccount(c *call) (any, error) {
	id, err := c.p.requiredID("i_account")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		acc, err := openAccount(tx, id)
		if err != nil {
			return err
		}
		aliases, err := queryAccounts(tx, "i_master_account = ? AND bill_status <> 'C'", id)
		if err != nil {
			return err
		}
		for _, a := range append(aliases, *acc) {
			if err := closeAccount(tx, &a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return success(), nil
}

// closeAccount sets bill_status C and frees the id by renaming it with the
// next free -old suffix.
func closeAccount(tx *txn, a *Account) error {
	for {
		n, err := nextValue(tx, seqOldSuffix, 0)
		if err != nil {
			return err
		}
		renamed := fmt.Sprintf("%s-old%03d", a.ID, n)
		inUse, err := countRows(tx, "SELECT COUNT(*) FROM accounts WHERE id = ?", renamed)
		if err != nil {
			return err
		}
		if inUse == 0 {
			a.ID = renamed
			break
		}
	}
	a.BillStatus = statusClosed
	return saveAccount(tx, a)
}

// getAccountList implements Account.get_account_list with the i_customer,
// id pattern, get_not_closed_accounts, limit, offset and get_total
// options. Aliases are not listed; get_alias_list returns them.
func (s *Server) getAccountList(c *call) (any, error) {
	q := listQuery{}
	q.add("billing_model <> ?", billingModelAlias)
	if err := q.addID(c.p, "i_customer", "i_customer"); err != nil {
		return nil, err
	}
	if err := q.addPattern(c.p, "id", "id"); err != nil {
		return nil, err
	}
	if c.p.flag("get_not_closed_accounts") {
		q.add("bill_status <> ?", statusClosed)
	}
	limit, offset, err := c.p.page()
	if err != nil {
		return nil, err
	}

	list, total, err := s.listAccounts(c, q, limit, offset)
	if err != nil {
		return nil, err
	}
	views := make([]map[string]any, 0, len(list))
	for i := range list {
		views = append(views, accountView(&list[i], featureReader{none: true}, nil))
	}
	out := map[string]any{"account_list": views}
	if c.p.flag("get_total") {
		out["total"] = total
	}
	return out, nil
}

func (s *Server) listAccounts(c *call, q listQuery, limit, offset int64) ([]Account, int64, error) {
	var list []Account
	var total int64
	err := s.store.read(c.ctx, func(tx *txn) error {
		var err error
		if list, err = queryAccounts(tx, q.where("i_account", limit, offset), q.args...); err != nil {
			return err
		}
		total, err = countRows(tx, "SELECT COUNT(*) FROM accounts WHERE "+q.filter(), q.args...)
		return err
	})
	return list, total, err
}

// updateAccountFeatures implements Account.update_service_features.
func (s *Server) updateAccountFeatures(c *call) (any, error) {
	id, err := c.p.requiredID("i_account")
	if err != nil {
		return nil, err
	}
	updates, err := requiredFeatures(c.p)
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		acc, err := openAccount(tx, id)
		if err != nil {
			return err
		}
		acc.ServiceFeatures = mergeFeatures(acc.ServiceFeatures, updates)
		return saveAccount(tx, acc)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_account": id}, nil
}
