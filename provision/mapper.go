package provision

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/wire"
)

// mapper fills billing parameter maps and collects ignored fields. For ids
// and optional values a zero or an empty string means "not set", so such a
// value is never sent: billing would read i_parent 0 as a real id.
type mapper struct {
	ignored []string
}

func (m *mapper) ignore(path string, set bool) {
	if set {
		m.ignored = append(m.ignored, path)
	}
}

func setString(dst map[string]any, key string, values ...string) {
	for _, v := range values {
		if v != "" {
			dst[key] = v
			return
		}
	}
}

func setID(dst map[string]any, key string, values ...int64) {
	for _, v := range values {
		if v != 0 {
			dst[key] = v
			return
		}
	}
}

// setMoney sends money as a JSON number with its exact decimal text.
func setMoney(dst map[string]any, key string, values ...decimal.Decimal) {
	for _, v := range values {
		if !v.IsZero() {
			dst[key] = json.Number(v.String())
			return
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// customer maps Customer.add_customer's customer_info. Where the model
// and CustomerDefaultValues both carry a field, the model wins; ResellerID
// is the last resort for i_parent.
func (m *mapper) customer(cc *wire.CreateCustomer, resellerID int64) map[string]any {
	c := cc.Customer
	dv := cc.CustomerDefaultValues
	if dv == nil {
		dv = &wire.CustomerDefaultValues{}
	}
	pi := valueOr(c.PersonalInformation)
	addr := valueOr(c.CustomerAddress)
	contact := valueOr(c.CustomerContact)
	status := valueOr(c.CustomerStatus)
	prefs := valueOr(c.Preferences)

	info := map[string]any{}
	setString(info, "name", pi.Name)
	setString(info, "iso_4217", strings.ToUpper(status.ISO4217), strings.ToUpper(dv.ISO4217))
	setID(info, "i_parent", c.IParent, resellerID)
	setString(info, "login", pi.Login)
	setString(info, "password", pi.Password)
	setString(info, "firstname", pi.FirstName)
	setString(info, "lastname", pi.LastName)
	setString(info, "midinit", pi.MiddleInitials)
	setString(info, "salutation", pi.Salutation)
	setString(info, "companyname", pi.Company)
	setString(info, "tax_id", pi.TaxId, dv.TaxId)

	setString(info, "baddr1", addr.Address1)
	setString(info, "address_line_2", joinNonEmpty(", ", addr.Address2, addr.Address3, addr.Address4))
	setString(info, "city", addr.City, addr.Town)
	setString(info, "state", addr.Region)
	setString(info, "zip", addr.Postcode)
	setString(info, "country", strings.ToUpper(addr.Country), strings.ToUpper(dv.ICountry))

	setString(info, "email", contact.Email)
	setString(info, "bcc", contact.BCC)
	setString(info, "phone1", contact.Phone1)
	setString(info, "phone2", contact.Phone2)
	setString(info, "faxnum", contact.Fax)
	setString(info, "cont1", contact.Contact1)
	setString(info, "cont2", contact.Contact2)
	setString(info, "note", c.Notes)

	setMoney(info, "credit_limit", status.CreditLimit, dv.CreditLimit)
	setMoney(info, "opening_balance", status.OpeningBalance)
	setID(info, "i_customer_type", prefs.CustomerType, dv.ICustomerType)
	setID(info, "i_customer_class", dv.ICustomerClass)
	setID(info, "i_billing_period", dv.IBillingPeriod)
	setID(info, "i_acl", dv.IAcl)
	setID(info, "i_template", dv.ITemplate)
	setID(info, "i_rep", dv.IRep)
	setID(info, "i_distributor", dv.IDistributor)
	setString(info, "i_lang", dv.ILang)
	setID(info, "i_time_zone", prefs.ITimeZone, dv.ITimeZone)
	setID(info, "i_ui_time_zone", prefs.IUITimeZone)
	setID(info, "i_vd_plan", prefs.IVDPlan, dv.IVDPaln)
	setID(info, "max_abbreviated_length", prefs.MaxAbbreviatedLength, dv.MaxAbbreviatedLength)
	setString(info, "send_invoices", prefs.SendInvoices)
	setString(info, "send_statistics", prefs.SendStatistics)
	if features := serviceFeatures(status.ServiceFeatures, ""); len(features) > 0 {
		info["service_features"] = features
	}

	m.ignoreCustomer(c, pi, contact, status, prefs, dv)
	return info
}

func (m *mapper) ignoreCustomer(c *wire.Customer, pi wire.PersonalInformation, contact wire.CustomerContact,
	status wire.CustomerStatus, prefs wire.Preferences, dv *wire.CustomerDefaultValues) {
	const cu = "Customer.Customer."
	const dvp = "Customer.CustomerDefaultValues."
	m.ignore(cu+"ICustomer", c.ICustomer != 0)
	m.ignore(cu+"PersonalInformation.IMoh", pi.IMoh != 0)
	m.ignore(cu+"CustomerContact.EmailFrom", contact.EmailFrom != "")
	m.ignore(cu+"CustomerStatus.Balance", !status.Balance.IsZero())
	m.ignore(cu+"CustomerStatus.BillStatus", status.BillStatus != "")
	m.ignore(cu+"CustomerStatus.BilledTo", status.BilledTo != "")
	m.ignore(cu+"CustomerStatus.CreditLimitWarning", status.CreditLimitWarning != "")
	m.ignore(cu+"CustomerStatus.DiscountRate", !status.DiscountRate.IsZero())
	m.ignore(cu+"Preferences.CldTranslationRule", prefs.CldTranslationRule != "")
	m.ignore(cu+"Preferences.DiallingRule", prefs.DiallingRule != nil)
	m.ignore(cu+"Preferences.IMoh", prefs.IMoh != 0)
	m.ignore(cu+"Preferences.InDateFormat", prefs.InDateFormat != "")
	m.ignore(cu+"Preferences.InTimeFormat", prefs.InTimeFormat != "")
	m.ignore(cu+"Preferences.MapSendInvoices", prefs.MapSendInvoices != "")
	m.ignore(cu+"Preferences.MapSendStatistics", prefs.MapSendStatistics != "")
	m.ignore(cu+"Preferences.OutDateFormat", prefs.OutDateFormat != "")
	m.ignore(cu+"Preferences.OutDateTimeFormat", prefs.OutDateTimeFormat != "")
	m.ignore(cu+"Preferences.OutTimeFormat", prefs.OutTimeFormat != "")
	m.ignore(dvp+"CallShopEnabled", dv.CallShopEnabled)
	m.ignore(dvp+"CldTranslationRule", dv.CldTranslationRule != 0)
	m.ignore(dvp+"CliInTranslationRule", dv.CliInTranslationRule != "")
	m.ignore(dvp+"CliOutTranslationRule", dv.CliOutTranslationRule != "")
	m.ignore(dvp+"DidBatch", dv.DidBatch != "")
	m.ignore(dvp+"EmailFrom", dv.EmailFrom != "")
	m.ignore(dvp+"IIncomingTariff", dv.IIncomingTariff != 0)
	m.ignore(dvp+"ITariff", dv.ITariff != 0)
	m.ignore(dvp+"PaymentCommissionRate", !dv.PaymentCommissionRate.IsZero())
	m.ignore(dvp+"PromotionalCredit", !dv.PromotionalCredit.IsZero())
	m.ignore(dvp+"RTPProxy", dv.RTPProxy != wire.RTPProxyUnset)
	m.ignore(dvp+"SaleCommissionRate", !dv.SaleCommissionRate.IsZero())
	m.ignore(dvp+"SendStatistics", dv.SendStatistics)
	m.ignore(dvp+"ServiceFlags", dv.ServiceFlags != "")
	m.ignore(dvp+"UseMobileNoAsCli", dv.UseMobileNoAsCli)
	m.ignore(dvp+"countryCode", dv.CountryCode != 0)
	m.ignore(dvp+"i_spendingPlan", dv.ISpendingPlan != 0)
}

// billingModels maps the BillingModel enum to billing_model codes.
var billingModels = map[wire.BillingModel]int{
	wire.BillingModelDebit:           -1,
	wire.BillingModelReChargeVoucher: 0,
	wire.BillingModelCredit:          1,
}

// defaultBillingModel is sent when the request names none, because
// billing requires one. Business PBX lines are credit accounts.
// NOTE: the original service's default is unknown; .NET would send the
// enum's first member, ReChargeVoucher (0).
const defaultBillingModel = 1

// account maps Account.add_account's account_info for the account at
// position i of AccountsToCreate.
func (m *mapper) account(req *wire.AccountRequest, i int, productID int64) AccountPlan {
	a := req.AccountsToCreate[i]
	dv := valueOr(req.DefaultValues)
	id := wire.ResolveAccountID(req, i)
	plan := AccountPlan{ID: id.ID, Prefix: id.Prefix, Digits: id.RandomDigits}

	info := map[string]any{}
	setID(info, "i_product", dv.ProductId, productID)
	info["billing_model"] = defaultBillingModel
	if code, ok := billingModels[dv.BillingModel]; ok {
		info["billing_model"] = code
	}
	setString(info, "h323_password", a.Password)
	setString(info, "firstname", a.FirstName)
	setString(info, "lastname", a.LastName)
	setString(info, "email", a.Email)
	if date, ok := wire.NormalizeActivationDate(a.ActivationDate); ok {
		setString(info, "activation_date", date)
	}
	setString(info, "batch_name", dv.BatchNamePrefix)
	setMoney(info, "credit_limit", dv.CreditLimit)
	setID(info, "i_time_zone", dv.ITimeZone)
	setString(info, "i_lang", dv.IVRLanguage)

	var features []billing.ServiceFeature
	if req.DefaultValues != nil {
		info["follow_me_enabled"] = yesNo(dv.FollowMeEnabled)
		info["ecommerce_enabled"] = yesNo(dv.EcommerceEnabled)
		features = append(features, billing.ServiceFeature{Name: "unified_messaging", FlagValue: yesNo(dv.UmEnabled)})
	}
	if dv.IRoutingPlan != 0 {
		features = append(features, billing.ServiceFeature{Name: "individual_routing_plan", FlagValue: "Y",
			Attributes: []billing.Attribute{billing.NewAttribute("i_routing_plan", itoa(dv.IRoutingPlan))}})
	}
	// The cli feature is applied by the display step, on every account.
	features = append(features, serviceFeatures(dv.ServiceFeatures, "cli")...)
	if len(features) > 0 {
		info["service_features"] = features
	}
	plan.Info = info
	return plan
}

func (m *mapper) ignoreAccountRequest(req *wire.AccountRequest) {
	const ar = "Account.AccountRequest."
	m.ignore(ar+"CustomerLogin", req.CustomerLogin != "")
	m.ignore(ar+"CustomerPassword", req.CustomerPassword != "")
	m.ignore(ar+"ICustomer", req.ICustomer != 0)
	m.ignore(ar+"SIPContact", req.SIPContact != "")
	m.ignore(ar+"SiteType", req.SiteType != "")
	for i, a := range req.AccountsToCreate {
		m.ignore(ar+"AccountsToCreate["+itoa(int64(i))+"].ISubscription", a.ISubscription != 0)
	}
	if dv := req.DefaultValues; dv != nil {
		const dvp = ar + "DefaultValues."
		m.ignore(dvp+"BCC", dv.BCC != "")
		m.ignore(dvp+"DefaultAnsweringMode", dv.DefaultAnsweringMode != wire.DefaultAnsweringModeUnset)
		m.ignore(dvp+"IParent", dv.IParent != 0)
		m.ignore(dvp+"ITariff", dv.ITariff != 0)
		m.ignore(dvp+"LifeTime", dv.LifeTime != 0)
		m.ignore(dvp+"OutDateTimeFormat", dv.OutDateTimeFormat != "")
		m.ignore(dvp+"RTPProxy", dv.RTPProxy != wire.RTPProxyUnset)
		m.ignore(dvp+"ServiceFlags", dv.ServiceFlags != "")
	}
}

// display builds the cli feature that sets the caller display name and
// number. Other cli attributes come from a cli entry of the accounts'
// DefaultValues.ServiceFeatures.
func (m *mapper) display(row wire.CsvData, req *wire.AccountRequest) *billing.ServiceFeature {
	number, _ := wire.NormalizeNumber(row.DisplayNumber)
	if row.DisplayName == "" && number == "" {
		return nil
	}
	attrs := map[string][]string{}
	if req.DefaultValues != nil {
		for _, f := range req.DefaultValues.ServiceFeatures {
			if f.Name == "cli" {
				for k, v := range f.ServiceAttributes {
					attrs[k] = v
				}
			}
		}
	}
	if row.DisplayName != "" {
		attrs["display_name"] = []string{row.DisplayName}
	}
	if number != "" {
		attrs["display_number"] = []string{number}
	}
	return &billing.ServiceFeature{Name: "cli", FlagValue: "Y", Attributes: attributes(attrs)}
}

// serviceFeatures converts request features, leaving out the one named
// skip.
func serviceFeatures(in []wire.PortaServiceFeature, skip string) []billing.ServiceFeature {
	var out []billing.ServiceFeature
	for _, f := range in {
		if f.Name == "" || f.Name == skip {
			continue
		}
		flag := f.FlagValue
		if flag == "" {
			flag = "Y"
		}
		out = append(out, billing.ServiceFeature{Name: f.Name, FlagValue: flag, Attributes: attributes(f.ServiceAttributes)})
	}
	return out
}

// attributes sorts by name so the same request always yields the same
// parameters.
func attributes(in map[string][]string) []billing.Attribute {
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]billing.Attribute, 0, len(names))
	for _, k := range names {
		out = append(out, billing.NewAttribute(k, in[k]...))
	}
	return out
}

func valueOr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
