// Package wire holds the BatchCustomerCreation data contract of Porta Plus 2:
// the request DTO tree, its XML (DataContract) and JSON decoders, validation
// before anything is started, and ServiceStack-shaped error bodies. It knows
// nothing of Temporal or PortaBilling.
package wire

import "github.com/shopspring/decimal"

// Namespaces of the DataContract XML. Elements are matched by URI, never by
// prefix.
const (
	NamespaceDto    = "http://schemas.datacontract.org/2004/07/PortaPlus2.API.Web.Dto"
	NamespaceModels = "http://schemas.datacontract.org/2004/07/PortaPlus2.Common.Models"
	NamespaceArrays = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
	NamespaceXSI    = "http://www.w3.org/2001/XMLSchema-instance"
	NamespaceTypes  = "http://schemas.servicestack.net/types"
)

// BatchCustomerCreation is the request DTO. Go field names are the C# member
// names; a string that was absent, i:nil or empty is "".
type BatchCustomerCreation struct {
	ContentId   int64
	FeatureName string
	// BaseLicense is the base-class License member, the first of the two
	// License elements in XML. JSON has no key for it.
	BaseLicense string `json:"-" datamember:"License"`
	CustData    []CsvData
	// License is the batch's own License member, after CustData in XML and
	// the only License key in JSON.
	License    string
	ProductID  int64
	ResellerID int64
}

// EffectiveLicense returns the licence the batch is checked against: its own
// License when set, else the base-class one.
func (b *BatchCustomerCreation) EffectiveLicense() string {
	if b.License != "" {
		return b.License
	}
	return b.BaseLicense
}

// CsvData is one customer row of the batch.
type CsvData struct {
	Account       *CreateAccount
	AliasNumber   string
	Customer      *CreateCustomer
	DisplayName   string
	DisplayNumber string
	ExtensionNo   string
}

// CreateAccount wraps the account part of a row.
type CreateAccount struct {
	ContentId      int64
	FeatureName    string
	License        string
	AccountRequest *AccountRequest
}

// CreateCustomer wraps the customer part of a row.
type CreateCustomer struct {
	ContentId             int64
	FeatureName           string
	License               string
	Customer              *Customer
	CustomerDefaultValues *CustomerDefaultValues
}

// AccountRequest lists the accounts of a row and their shared defaults.
type AccountRequest struct {
	AccountId                string
	AccountPrefix            string
	AccountRandomDigitLength int64
	AccountsToCreate         []AccountInformation
	CustomerLogin            string
	CustomerPassword         string
	DefaultValues            *DefaultValues
	ICustomer                int64
	SIPContact               string
	SiteType                 string
}

// AccountInformation is one account to create.
type AccountInformation struct {
	AcntId         string
	ActivationDate string
	Email          string
	Extension      string
	FirstName      string
	ISubscription  int64
	Index          int64
	Label          string
	LastName       string
	Password       string
}

// DefaultValues applies to every account of a row.
type DefaultValues struct {
	BCC                  string
	BatchNamePrefix      string
	BillingModel         BillingModel
	CreditLimit          decimal.Decimal
	DefaultAnsweringMode DefaultAnsweringMode
	EcommerceEnabled     bool
	FollowMeEnabled      bool
	IParent              int64
	IRoutingPlan         int64
	ITariff              int64
	ITimeZone            int64
	IVRLanguage          string
	LifeTime             int64
	OutDateTimeFormat    string
	ProductId            int64
	RTPProxy             RTPProxy
	ServiceFeatures      []PortaServiceFeature
	ServiceFlags         string
	UmEnabled            bool
}

// PortaServiceFeature is a PortaBilling service feature with its attributes.
type PortaServiceFeature struct {
	FlagValue string
	Name      string
	// ServiceAttributes maps an attribute name to its values (the
	// Arrays-namespace dictionary in XML, a plain object in JSON).
	ServiceAttributes map[string][]string
}

// Customer is the customer model of a row.
type Customer struct {
	CustomerAddress     *CustomerAddress
	CustomerContact     *CustomerContact
	CustomerStatus      *CustomerStatus
	ICustomer           int64
	IParent             int64
	Notes               string
	PersonalInformation *PersonalInformation
	Preferences         *Preferences
}

// CustomerAddress is the customer's postal address.
type CustomerAddress struct {
	Address1 string
	Address2 string
	Address3 string
	Address4 string
	City     string
	Country  string
	Postcode string
	Region   string
	Town     string
}

// CustomerContact holds the customer's contact points.
type CustomerContact struct {
	BCC       string
	Contact1  string
	Contact2  string
	Email     string
	EmailFrom string
	Fax       string
	Phone1    string
	Phone2    string
}

// CustomerStatus holds the customer's money settings.
type CustomerStatus struct {
	Balance            decimal.Decimal
	BillStatus         string
	BilledTo           string
	CreditLimit        decimal.Decimal
	CreditLimitWarning string
	DiscountRate       decimal.Decimal
	ISO4217            string
	OpeningBalance     decimal.Decimal
	ServiceFeatures    []PortaServiceFeature
}

// PersonalInformation names the customer and its self-care login.
type PersonalInformation struct {
	Company        string
	FirstName      string
	IMoh           int64
	LastName       string
	Login          string
	MiddleInitials string
	Name           string
	Password       string
	Salutation     string
	TaxId          string
}

// Preferences are the customer's formats and defaults.
type Preferences struct {
	CldTranslationRule   string
	CustomerType         int64
	DiallingRule         *DiallingRule
	IMoh                 int64
	ITimeZone            int64
	IUITimeZone          int64
	IVDPlan              int64
	InDateFormat         string
	InTimeFormat         string
	MapSendInvoices      string
	MapSendStatistics    string
	MaxAbbreviatedLength int64
	OutDateFormat        string
	OutDateTimeFormat    string
	OutTimeFormat        string
	SendInvoices         string
	SendStatistics       string
}

// DiallingRule is the customer's dialling rule.
type DiallingRule struct {
	AC   string
	CC   string
	CS   int64
	CSDR int64
	CSL  string
	CSP  string
	CSPS string
	CSS  int64
	CT   int64
	DP   string
	EM   string
	EX   string
	IA   int64
	IP   string
	NEX  string
	NL   int64
	OP   string
}

// CustomerDefaultValues fill customer fields the model leaves unset.
type CustomerDefaultValues struct {
	CallShopEnabled       bool
	CldTranslationRule    int64
	CliInTranslationRule  string
	CliOutTranslationRule string
	CreditLimit           decimal.Decimal
	DidBatch              string
	EmailFrom             string
	IAcl                  int64
	IBillingPeriod        int64
	ICountry              string
	ICustomerClass        int64
	ICustomerType         int64
	IDistributor          int64
	IIncomingTariff       int64
	ILang                 string
	IRep                  int64
	ISO4217               string
	ITariff               int64
	ITemplate             int64
	ITimeZone             int64
	IVDPaln               int64
	MaxAbbreviatedLength  int64
	PaymentCommissionRate decimal.Decimal
	PromotionalCredit     decimal.Decimal
	RTPProxy              RTPProxy
	SaleCommissionRate    decimal.Decimal
	SendStatistics        bool
	ServiceFlags          string
	TaxId                 string
	UseMobileNoAsCli      bool
	// CountryCode is the contract's countryCode member.
	CountryCode int64 `json:"countryCode"`
	// ISpendingPlan is the contract's i_spendingPlan member.
	ISpendingPlan int64 `json:"i_spendingPlan"`
}

// BillingModel is the account billing model enum, sent by name.
type BillingModel string

// Billing models the service accepts.
const (
	BillingModelUnset           BillingModel = ""
	BillingModelReChargeVoucher BillingModel = "ReChargeVoucher"
	BillingModelDebit           BillingModel = "Debit"
	BillingModelCredit          BillingModel = "Credit"
)

// RTPProxy is the media relay mode enum.
type RTPProxy string

// Media relay modes the service accepts.
const (
	RTPProxyUnset   RTPProxy = ""
	RTPProxyDirect  RTPProxy = "Direct"
	RTPProxyOptimal RTPProxy = "Optimal"
	RTPProxyOnNat   RTPProxy = "OnNat"
	RTPProxyAlways  RTPProxy = "Always"
)

// DefaultAnsweringMode is the accounts' default answering mode enum.
type DefaultAnsweringMode string

// Answering modes the service accepts.
const (
	DefaultAnsweringModeUnset  DefaultAnsweringMode = ""
	DefaultAnsweringModeReject DefaultAnsweringMode = "Reject"
)
