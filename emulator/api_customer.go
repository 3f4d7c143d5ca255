package emulator

import (
	"maps"
)

// Bill statuses of customers and accounts.
const (
	statusOpen   = "O"
	statusClosed = "C"
)

// customerFromInfo builds a customer from a customer_info object and checks
// the fields that need no database: name and iso_4217 are required, blocked
// is Y or N, i_parent is a positive id when set.
func customerFromInfo(info fields) (*Customer, []featureUpdate, error) {
	blob := normalizeIDs(maps.Clone(info.m))
	updates, err := splitFeatures(info.service, info.path, blob)
	if err != nil {
		return nil, nil, err
	}
	info = newFields(info.service, info.path, blob)

	c := &Customer{Info: blob, BillStatus: statusOpen, Blocked: "N"}
	if c.Name, err = info.requiredStr("name"); err != nil {
		return nil, nil, err
	}
	if c.ISO4217, err = info.requiredStr("iso_4217"); err != nil {
		return nil, nil, err
	}
	if !isCurrencyCode(c.ISO4217) {
		return nil, nil, invalidField(info.service, info.fieldPath("iso_4217"),
			"want a three-letter ISO 4217 code such as USD")
	}
	if c.Login, _, err = info.str("login"); err != nil {
		return nil, nil, err
	}
	if c.Note, _, err = info.str("note"); err != nil {
		return nil, nil, err
	}
	if c.Blocked, err = yesNo(info, "blocked", "N"); err != nil {
		return nil, nil, err
	}

	parent, ok, err := info.id("i_parent")
	if err != nil {
		return nil, nil, err
	}
	if ok && parent != 0 {
		if parent < 0 {
			return nil, nil, invalidField(info.service, info.fieldPath("i_parent"), "must be positive")
		}
		c.IParent = &parent
	}
	return c, updates, nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// yesNo reads a Y/N flag field with a default.
func yesNo(f fields, key, def string) (string, error) {
	v, ok, err := f.str(key)
	if err != nil || !ok || v == "" {
		return def, err
	}
	if v != "Y" && v != "N" {
		return "", invalidField(f.service, f.fieldPath(key), "want Y or N")
	}
	return v, nil
}

// checkCustomer enforces the rules that need the database: unique name,
// unique non-empty login and an existing parent.
func checkCustomer(tx *txn, c *Customer) error {
	other, err := findCustomer(tx, "name = ? AND i_customer <> ?", c.Name, c.ICustomer)
	if err != nil {
		return err
	}
	if other != nil {
		return faultf(FaultCustomerDuplicateID, "Customer with name %q already exists (i_customer %d)",
			c.Name, other.ICustomer)
	}

	if c.Login != "" {
		other, err := findCustomer(tx, "login = ? AND i_customer <> ?", c.Login, c.ICustomer)
		if err != nil {
			return err
		}
		if other != nil {
			return faultf(FaultCustomerDuplicateLogin, "Customer login %q is already in use", c.Login)
		}
	}

	if c.IParent != nil {
		parent, err := findCustomer(tx, "i_customer = ?", *c.IParent)
		if err != nil {
			return err
		}
		if parent == nil || parent.ICustomer == c.ICustomer {
			return faultf(FaultParentNotFound, "Parent customer %d not found", *c.IParent)
		}
	}
	return nil
}

// addCustomer implements Customer.add_customer.
func (s *Server) addCustomer(c *call) (any, error) {
	info, err := c.p.requiredObject("customer_info")
	if err != nil {
		return nil, err
	}
	cust, updates, err := customerFromInfo(info)
	if err != nil {
		return nil, err
	}
	cust.ServiceFeatures = mergeFeatures(nil, updates)

	err = s.store.write(c.ctx, func(tx *txn) error {
		if err := checkCustomer(tx, cust); err != nil {
			return err
		}
		id, err := s.store.nextID(tx, seqCustomer)
		if err != nil {
			return err
		}
		cust.ICustomer = id
		return saveCustomer(tx, cust)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_customer": cust.ICustomer}, nil
}

// validateCustomerInfo implements Customer.validate_customer_info: the
// checks of add_customer without the insert.
func (s *Server) validateCustomerInfo(c *call) (any, error) {
	info, err := c.p.requiredObject("customer_info")
	if err != nil {
		return nil, err
	}
	cust, _, err := customerFromInfo(info)
	if err != nil {
		return nil, err
	}
	cust.ICustomer, _, _ = info.id("i_customer")

	err = s.store.read(c.ctx, func(tx *txn) error { return checkCustomer(tx, cust) })
	if err != nil {
		return nil, err
	}
	return success(), nil
}

// getCustomerInfo implements Customer.get_customer_info by i_customer,
// name or login. An unknown customer gives an empty object; a closed one
// is returned with bill_status C.
func (s *Server) getCustomerInfo(c *call) (any, error) {
	where, arg, err := customerKey(c.p)
	if err != nil {
		return nil, err
	}

	var cust *Customer
	err = s.store.read(c.ctx, func(tx *txn) error {
		var err error
		cust, err = findCustomer(tx, where, arg)
		return err
	})
	if err != nil {
		return nil, err
	}
	if cust == nil {
		return map[string]any{}, nil
	}
	return map[string]any{"customer_info": customerView(cust, newFeatureReader(c.p, false))}, nil
}

// customerKey picks the lookup key of get_customer_info.
func customerKey(p fields) (where string, arg any, err error) {
	if id, ok, err := p.id("i_customer"); err != nil || ok {
		return "i_customer = ?", id, err
	}
	if name, ok, err := p.str("name"); err != nil || ok {
		return "name = ?", name, err
	}
	if login, ok, err := p.str("login"); err != nil || ok {
		return "login = ? AND login <> ''", login, err
	}
	return "", nil, faultf("Client.Customer.missing_required_field.i_customer",
		"One of i_customer, name or login is required")
}

// customerView is the customer_info object: every stored field, with the
// columns the emulator manages written over them.
func customerView(c *Customer, fr featureReader) map[string]any {
	out := maps.Clone(c.Info)
	out["i_customer"] = c.ICustomer
	out["name"] = c.Name
	out["login"] = c.Login
	out["iso_4217"] = c.ISO4217
	out["note"] = c.Note
	out["bill_status"] = c.BillStatus
	out["blocked"] = c.Blocked
	if c.IParent != nil {
		out["i_parent"] = *c.IParent
	} else {
		out["i_parent"] = nil
	}
	if views := fr.render(c.ServiceFeatures, nil); views != nil {
		out[featuresKey] = views
	}
	return out
}

// updateCustomer implements Customer.update_customer: the sent fields are
// merged into the stored ones; iso_4217 cannot change.
func (s *Server) updateCustomer(c *call) (any, error) {
	info, err := c.p.requiredObject("customer_info")
	if err != nil {
		return nil, err
	}
	id, err := info.requiredID("i_customer")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		old, err := openCustomer(tx, id)
		if err != nil {
			return err
		}
		merged := maps.Clone(old.Info)
		maps.Copy(merged, info.m)

		cust, updates, err := customerFromInfo(newFields(info.service, info.path, merged))
		if err != nil {
			return err
		}
		if cust.ISO4217 != old.ISO4217 {
			return faultf(FaultCurrencyChange, "Currency of customer %d cannot change from %s",
				id, old.ISO4217)
		}
		cust.ICustomer, cust.BillStatus = id, old.BillStatus
		cust.ServiceFeatures = mergeFeatures(old.ServiceFeatures, updates)
		if err := checkCustomer(tx, cust); err != nil {
			return err
		}
		return saveCustomer(tx, cust)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_customer": id}, nil
}

// openCustomer loads a customer that exists and is not closed. Closed
// customers cannot be changed, so they count as not found.
func openCustomer(tx *txn, id int64) (*Customer, error) {
	cust, err := findCustomer(tx, "i_customer = ?", id)
	if err != nil {
		return nil, err
	}
	if cust == nil {
		return nil, faultf(FaultCustomerNotFound, "Customer %d not found", id)
	}
	if cust.BillStatus == statusClosed {
		return nil, faultf(FaultCustomerNotFound, "Customer %d not found: it is closed", id)
	}
	return cust, nil
}

// deleteCustomer implements Customer.delete_customer. It rejects a
// customer that still owns open accounts (closed ones too with
// ClosedAccountsBlockDelete), extensions or sub-customers.
func (s *Server) deleteCustomer(c *call) (any, error) {
	id, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		cust, err := findCustomer(tx, "i_customer = ?", id)
		if err != nil {
			return err
		}
		if cust == nil {
			return faultf(FaultCustomerNotFound, "Customer %d not found", id)
		}
		if err := s.checkNothingOwned(tx, id); err != nil {
			return err
		}
		_, err = tx.Exec("DELETE FROM customers WHERE i_customer = ?", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return success(), nil
}

func (s *Server) checkNothingOwned(tx *txn, id int64) error {
	accountQuery := "SELECT COUNT(*) FROM accounts WHERE i_customer = ? AND bill_status <> 'C'"
	if s.cfg.ClosedAccountsBlockDelete {
		accountQuery = "SELECT COUNT(*) FROM accounts WHERE i_customer = ?"
	}
	accounts, err := countRows(tx, accountQuery, id)
	if err != nil {
		return err
	}
	if accounts > 0 {
		return faultf(FaultCustomerHasAccounts,
			"Customer %d cannot be deleted: it still has %d account(s)", id, accounts)
	}

	exts, err := countRows(tx, "SELECT COUNT(*) FROM extensions WHERE i_customer = ?", id)
	if err != nil {
		return err
	}
	if exts > 0 {
		return faultf(FaultCustomerHasExtensions,
			"Customer %d cannot be deleted: it still has %d extension(s)", id, exts)
	}

	children, err := countRows(tx, "SELECT COUNT(*) FROM customers WHERE i_parent = ?", id)
	if err != nil {
		return err
	}
	if children > 0 {
		return faultf(FaultCustomerHasChildren,
			"Customer %d cannot be deleted: it still has %d sub-customer(s)", id, children)
	}
	return nil
}

// terminateCustomer implements Customer.terminate_customer: the record
// stays with bill_status C. Accounts and extensions are left as they are.
func (s *Server) terminateCustomer(c *call) (any, error) {
	id, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		cust, err := openCustomer(tx, id)
		if err != nil {
			return err
		}
		cust.BillStatus = statusClosed
		return saveCustomer(tx, cust)
	})
	if err != nil {
		return nil, err
	}
	return success(), nil
}

// getCustomerList implements Customer.get_customer_list with the name
// pattern (SQL LIKE), i_parent, limit, offset and get_total options.
func (s *Server) getCustomerList(c *call) (any, error) {
	var q listQuery
	if err := q.addPattern(c.p, "name", "name"); err != nil {
		return nil, err
	}
	if err := q.addID(c.p, "i_parent", "i_parent"); err != nil {
		return nil, err
	}
	limit, offset, err := c.p.page()
	if err != nil {
		return nil, err
	}

	var list []Customer
	var total int64
	err = s.store.read(c.ctx, func(tx *txn) error {
		var err error
		if list, err = queryCustomers(tx, q.where("i_customer", limit, offset), q.args...); err != nil {
			return err
		}
		total, err = countRows(tx, "SELECT COUNT(*) FROM customers WHERE "+q.filter(), q.args...)
		return err
	})
	if err != nil {
		return nil, err
	}

	views := make([]map[string]any, 0, len(list))
	for i := range list {
		views = append(views, customerView(&list[i], featureReader{none: true}))
	}
	out := map[string]any{"customer_list": views}
	if c.p.flag("get_total") {
		out["total"] = total
	}
	return out, nil
}

// updateCustomerFeatures implements Customer.update_service_features.
func (s *Server) updateCustomerFeatures(c *call) (any, error) {
	id, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}
	updates, err := requiredFeatures(c.p)
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		cust, err := openCustomer(tx, id)
		if err != nil {
			return err
		}
		cust.ServiceFeatures = mergeFeatures(cust.ServiceFeatures, updates)
		return saveCustomer(tx, cust)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_customer": id}, nil
}

func requiredFeatures(p fields) ([]featureUpdate, error) {
	raw, ok := p.m[featuresKey]
	if !ok || raw == nil {
		return nil, missingField(p.service, featuresKey)
	}
	return splitFeatures(p.service, p.path, map[string]any{featuresKey: raw})
}
