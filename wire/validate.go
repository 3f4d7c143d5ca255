package wire

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error codes of validation errors.
const (
	CodeNotEmpty     = "NotEmpty"
	CodeInvalid      = "Invalid"
	CodeDuplicate    = "Duplicate"
	CodeConflict     = "Conflict"
	CodeTooLong      = "TooLong"
	CodeUnknownValue = "UnknownValue"
)

// FieldError is one validation problem. FieldName is the member's path, such
// as CustData[2].Customer.Customer.PersonalInformation.Login.
type FieldError struct {
	ErrorCode string
	FieldName string
	Message   string
}

// ValidateOptions configures Validate.
type ValidateOptions struct {
	// MaxCustomers is the largest number of rows a batch may have; 0 means
	// no limit.
	MaxCustomers int
}

// Validate checks everything that can be checked before any customer is
// created and returns every problem in document order, or nil. A Duplicate
// error is reported at the later position and its message names the earlier
// one. Names, logins, account ids, alias numbers and extensions are compared
// after trimming spaces. Names and logins also ignore case.
func Validate(b *BatchCustomerCreation, opts ValidateOptions) []FieldError {
	if b == nil {
		b = &BatchCustomerCreation{}
	}
	v := &validator{
		batch:  b,
		names:  map[string]string{},
		logins: map[string]string{},
		ids:    map[string]claim{},
	}

	if len(b.CustData) == 0 {
		v.add(CodeNotEmpty, "CustData", "CustData is empty; send at least one customer row")
	}
	if opts.MaxCustomers > 0 && len(b.CustData) > opts.MaxCustomers {
		v.add(CodeTooLong, "CustData", fmt.Sprintf("the batch has %d customers, more than the maximum of %d; "+
			"split it into smaller batches", len(b.CustData), opts.MaxCustomers))
	}
	for i := range b.CustData {
		v.checkRow(i)
	}
	v.checkNegativeIDs(reflect.ValueOf(b).Elem(), rootContract, "")

	if len(v.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(v.errs, func(a, b FieldError) int {
		return slices.Compare(documentPosition(a.FieldName), documentPosition(b.FieldName))
	})
	return v.errs
}

// claim records which member first used an account id or alias number.
type claim struct {
	path string
	what string // "account id" or "alias number"
}

type validator struct {
	batch  *BatchCustomerCreation
	errs   []FieldError
	names  map[string]string // folded customer name → path
	logins map[string]string // folded login → path
	ids    map[string]claim  // account ids and alias numbers
}

func (v *validator) add(code, field, message string) {
	v.errs = append(v.errs, FieldError{ErrorCode: code, FieldName: field, Message: message})
}

func (v *validator) checkRow(i int) {
	row := &v.batch.CustData[i]
	path := indexPath("CustData", i)

	var req *AccountRequest
	if row.Account != nil {
		req = row.Account.AccountRequest
	}
	reqPath := path + ".Account.AccountRequest"
	if req == nil {
		v.add(CodeNotEmpty, reqPath,
			"the row has no Account.AccountRequest; every customer needs at least one account")
	} else {
		v.checkAccountRequest(req, reqPath)
	}

	v.checkAlias(row.AliasNumber, path+".AliasNumber")
	v.checkCustomer(row.Customer, path+".Customer")
	v.checkNumber(row.DisplayNumber, path+".DisplayNumber", "display number")
	v.checkExtensions(row, req, path)
}

func (v *validator) checkAccountRequest(req *AccountRequest, path string) {
	if n := req.AccountRandomDigitLength; n < 0 || n > MaxRandomDigits {
		v.add(CodeInvalid, path+".AccountRandomDigitLength", fmt.Sprintf(
			"AccountRandomDigitLength %d is out of range; use 1 to %d digits, or 0 when every account has an AcntId",
			n, MaxRandomDigits))
	}
	if len(req.AccountsToCreate) == 0 {
		v.add(CodeNotEmpty, path+".AccountsToCreate", "AccountsToCreate is empty; send at least one account")
	}

	indexes := map[int64]string{}
	prefixChecked := false
	for j := range req.AccountsToCreate {
		account := &req.AccountsToCreate[j]
		accountPath := indexPath(path+".AccountsToCreate", j)

		if earlier, dup := indexes[account.Index]; dup {
			v.add(CodeDuplicate, accountPath+".Index", fmt.Sprintf(
				"Index %d appears twice in this customer, first at %s; give each account a distinct Index",
				account.Index, earlier))
		} else {
			indexes[account.Index] = accountPath + ".Index"
		}

		plan := ResolveAccountID(req, j)
		switch plan.Source {
		case AccountIDMissing:
			v.add(CodeNotEmpty, accountPath+".AcntId", "the account has no id; set AcntId, or AccountId when the row "+
				"has one account, or AccountPrefix with AccountRandomDigitLength to generate one")
		case AccountIDFromAcntID:
			v.checkAccountID(plan.ID, accountPath+".AcntId")
		case AccountIDFromRequest:
			v.checkAccountID(plan.ID, path+".AccountId")
		case AccountIDGenerated:
			if !prefixChecked && plan.Length() > MaxAccountIDLength {
				v.add(CodeTooLong, path+".AccountPrefix", fmt.Sprintf(
					"AccountPrefix %q plus %d random digits makes a %d-character id, longer than the maximum of %d; "+
						"shorten the prefix", clip(plan.Prefix), plan.RandomDigits, plan.Length(), MaxAccountIDLength))
			}
			prefixChecked = true
		}

		if !validActivationDate(account.ActivationDate) {
			v.add(CodeInvalid, accountPath+".ActivationDate", fmt.Sprintf(
				"activation date %q is not a date; use YYYY-MM-DD or an ISO 8601 date-time",
				clip(account.ActivationDate)))
		}
	}

	defaults := req.DefaultValues
	if (defaults == nil || defaults.ProductId == 0) && v.batch.ProductID == 0 {
		v.add(CodeNotEmpty, path+".DefaultValues.ProductId",
			"the accounts have no product; set DefaultValues.ProductId or the batch's ProductID")
	}
	if defaults != nil {
		v.checkEnum(string(defaults.BillingModel), path+".DefaultValues.BillingModel", billingModelNames)
		v.checkEnum(string(defaults.DefaultAnsweringMode), path+".DefaultValues.DefaultAnsweringMode",
			answeringModeNames)
		v.checkEnum(string(defaults.RTPProxy), path+".DefaultValues.RTPProxy", rtpProxyNames)
	}
}

func (v *validator) checkAccountID(id, path string) {
	if len(id) > MaxAccountIDLength {
		v.add(CodeTooLong, path, fmt.Sprintf("account id %q has %d characters, more than the maximum of %d",
			clip(id), len(id), MaxAccountIDLength))
		return
	}
	v.claimID(strings.TrimSpace(id), path, "account id")
}

func (v *validator) checkAlias(alias, path string) {
	if alias == "" {
		return
	}
	digits, ok := NormalizeNumber(alias)
	switch {
	case !ok:
		v.add(CodeInvalid, path, fmt.Sprintf("alias number %q is not a phone number; use digits, "+
			"optionally with +, spaces, '-', '(' and ')'", clip(alias)))
	case len(digits) > MaxAliasLength:
		v.add(CodeTooLong, path, fmt.Sprintf("alias number %s has %d digits, more than the maximum of %d",
			clip(digits), len(digits), MaxAliasLength))
	default:
		v.claimID(digits, path, "alias number")
	}
}

// claimID reports a Duplicate when an account id or alias number is already
// used in the batch: aliases are accounts in PortaBilling, so both share one
// set of ids.
func (v *validator) claimID(id, path, what string) {
	if earlier, dup := v.ids[id]; dup {
		v.add(CodeDuplicate, path, fmt.Sprintf("%s %s appears twice in the batch, first as the %s at %s; "+
			"account ids and alias numbers must all be different", what, clip(id), earlier.what, earlier.path))
		return
	}
	v.ids[id] = claim{path: path, what: what}
}

func (v *validator) checkCustomer(c *CreateCustomer, path string) {
	var defaults *CustomerDefaultValues
	if c != nil {
		defaults = c.CustomerDefaultValues
	}
	if defaults != nil {
		v.checkEnum(string(defaults.RTPProxy), path+".CustomerDefaultValues.RTPProxy", rtpProxyNames)
	}
	if c == nil || c.Customer == nil {
		v.add(CodeNotEmpty, path+".Customer", "the row has no Customer.Customer; send the customer's details")
		return
	}

	customer := c.Customer
	v.checkCurrency(customer, defaults, path)

	info := customer.PersonalInformation
	if info == nil {
		info = &PersonalInformation{}
	}
	infoPath := path + ".Customer.PersonalInformation"
	if strings.TrimSpace(info.Name) == "" {
		v.add(CodeNotEmpty, infoPath+".Name",
			"PersonalInformation.Name is required; it is the customer's unique name in PortaBilling")
	} else {
		v.claimUnique(v.names, info.Name, infoPath+".Name", "customer name")
	}
	if info.Login != "" {
		v.claimUnique(v.logins, info.Login, infoPath+".Login", "login")
	}

	if prefs := customer.Preferences; prefs != nil {
		v.checkEnum(prefs.SendInvoices, path+".Customer.Preferences.SendInvoices", []string{"Y", "N"})
		v.checkEnum(prefs.SendStatistics, path+".Customer.Preferences.SendStatistics", []string{"F", "S", "N"})
	}
}

// checkCurrency resolves the customer's currency from CustomerStatus, else
// from CustomerDefaultValues, and checks that it looks like an ISO 4217 code.
func (v *validator) checkCurrency(customer *Customer, defaults *CustomerDefaultValues, path string) {
	statusPath := path + ".Customer.CustomerStatus.ISO4217"
	var currency, currencyPath string
	switch {
	case customer.CustomerStatus != nil && customer.CustomerStatus.ISO4217 != "":
		currency, currencyPath = customer.CustomerStatus.ISO4217, statusPath
	case defaults != nil && defaults.ISO4217 != "":
		currency, currencyPath = defaults.ISO4217, path+".CustomerDefaultValues.ISO4217"
	default:
		v.add(CodeNotEmpty, statusPath, "ISO4217 is required; set CustomerStatus.ISO4217 or "+
			"CustomerDefaultValues.ISO4217 to a currency code such as USD")
		return
	}
	if !isCurrencyCode(currency) {
		v.add(CodeInvalid, currencyPath, fmt.Sprintf(
			"currency %q is not an ISO 4217 code; use three capital letters such as USD", clip(currency)))
	}
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// claimUnique reports a Duplicate when value, compared without surrounding
// spaces and case, was already seen in the batch.
// NOTE: ignoring case assumes that PortaBilling compares customer names and
// logins without case, as MySQL's default collation does. This is not verified.
func (v *validator) claimUnique(seen map[string]string, value, path, what string) {
	key := strings.ToLower(strings.TrimSpace(value))
	if earlier, dup := seen[key]; dup {
		v.add(CodeDuplicate, path, fmt.Sprintf("%s %q appears twice in the batch, first at %s; "+
			"each customer needs a different %s (case is ignored)", what, clip(value), earlier, what))
		return
	}
	seen[key] = path
}

// checkNumber reports a phone-style number that has anything but digits
// and the usual separators.
func (v *validator) checkNumber(value, path, what string) (string, bool) {
	if value == "" {
		return "", false
	}
	digits, ok := NormalizeNumber(value)
	if !ok {
		v.add(CodeInvalid, path, fmt.Sprintf("%s %q is not a number; use digits, "+
			"optionally with +, spaces, '-', '(' and ')'", what, clip(value)))
	}
	return digits, ok
}

// extension is one extension number a row will create, with its path.
type extension struct {
	number string
	path   string
}

// checkExtensions checks the row's extension numbers: each must be digits,
// ExtensionNo must agree with the primary account's Extension when both are
// set, and no number may appear twice in the row. ExtensionNo applies to the
// primary account only when that account has no Extension.
func (v *validator) checkExtensions(row *CsvData, req *AccountRequest, path string) {
	var numbers []extension
	var primaryExtension extension
	primary := PrimaryAccount(req)
	if req != nil {
		for j := range req.AccountsToCreate {
			extPath := indexPath(path+".Account.AccountRequest.AccountsToCreate", j) + ".Extension"
			number, ok := v.checkNumber(req.AccountsToCreate[j].Extension, extPath, "extension")
			if !ok {
				continue
			}
			numbers = append(numbers, extension{number: number, path: extPath})
			if j == primary {
				primaryExtension = numbers[len(numbers)-1]
			}
		}
	}

	extPath := path + ".ExtensionNo"
	number, ok := v.checkNumber(row.ExtensionNo, extPath, "extension")
	switch {
	case !ok || primary < 0:
	case primaryExtension.number == "":
		if req.AccountsToCreate[primary].Extension == "" {
			numbers = append(numbers, extension{number: number, path: extPath})
		}
	case primaryExtension.number != number:
		v.add(CodeConflict, extPath, fmt.Sprintf(
			"ExtensionNo %s differs from the primary account's Extension %s at %s; "+
				"send one of them or make them equal", number, primaryExtension.number, primaryExtension.path))
	}

	first := map[string]string{}
	for _, ext := range numbers {
		if earlier, dup := first[ext.number]; dup {
			v.add(CodeDuplicate, ext.path, fmt.Sprintf("extension %s appears twice in this customer, first at %s; "+
				"extensions must be unique within a customer", ext.number, earlier))
			continue
		}
		first[ext.number] = ext.path
	}
}

// checkEnum reports a value outside names; "" means unset and passes.
func (v *validator) checkEnum(value, path string, names []string) {
	if value == "" || slices.Contains(names, value) {
		return
	}
	v.add(CodeUnknownValue, path, fmt.Sprintf("unknown value %q; allowed values are %s",
		clip(value), strings.Join(names, ", ")))
}

// activationLayouts are the accepted forms of ActivationDate after the plain
// date: ISO 8601 date-times with and without a UTC offset. Parsing accepts
// fractional seconds after the seconds field even though the layouts omit it.
var activationLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

// NormalizeActivationDate returns the YYYY-MM-DD date of an ActivationDate
// written as a date or an ISO 8601 date-time, keeping the date as written
// (no time zone conversion). ok is false for any other text; "" gives
// ("", true) because the member is optional.
func NormalizeActivationDate(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s, true
	}
	for _, layout := range activationLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

func validActivationDate(s string) bool {
	_, ok := NormalizeActivationDate(s)
	return ok
}

// checkNegativeIDs reports every negative PortaBilling id in the tree.
func (v *validator) checkNegativeIDs(value reflect.Value, c *contract, path string) {
	for i := range c.members {
		m := &c.members[i]
		fv := value.Field(m.index)
		memberPath := joinPath(path, m.name)
		switch m.kind {
		case kindInt:
			if isIDMember(m.name) && fv.Int() < 0 {
				v.add(CodeInvalid, memberPath, fmt.Sprintf("%s %d is negative; PortaBilling ids are positive, "+
					"and 0 means not set", m.name, fv.Int()))
			}
		case kindObject:
			if !fv.IsNil() {
				v.checkNegativeIDs(fv.Elem(), m.elem, memberPath)
			}
		case kindList:
			for n := range fv.Len() {
				v.checkNegativeIDs(fv.Index(n), m.elem, indexPath(memberPath, n))
			}
		}
	}
}

// isIDMember reports whether an integer member holds a PortaBilling id:
// I<Name> (ICustomer, IParent, ITariff …), …Id/…ID (ProductId, ResellerID)
// and i_spendingPlan. ContentId is left out because it has no billing
// meaning, and the two-letter DiallingRule members such as IA are not ids.
func isIDMember(name string) bool {
	switch {
	case name == "ContentId":
		return false
	case name == "i_spendingPlan":
		return true
	case strings.HasSuffix(name, "Id"), strings.HasSuffix(name, "ID"):
		return true
	}
	return len(name) > 2 && name[0] == 'I' && name[1] >= 'A' && name[1] <= 'Z'
}

// documentPosition turns a FieldName into the positions of its members and
// list indexes, so that sorting by it gives document order.
func documentPosition(path string) []int {
	var position []int
	c := rootContract
	for segment := range strings.SplitSeq(path, ".") {
		name, index, hasIndex := strings.Cut(segment, "[")
		var m *member
		if c != nil {
			m = c.byName[name]
		}
		if m == nil {
			// Paths come from this file, so this is only a safety net: put
			// an unknown member last.
			return append(position, math.MaxInt)
		}
		position = append(position, m.index)
		if hasIndex {
			n, _ := strconv.Atoi(strings.TrimSuffix(index, "]"))
			position = append(position, n)
		}
		c = m.elem
	}
	return position
}
