package emulator

import "fmt"

// Fault codes the emulator sends. The session and duplicate codes are those
// of PortaBilling. The not-found, missing-field, invalid-value and
// owned-object codes are the emulator's own choice, because the vendor
// documentation does not name them.
const (
	FaultAuthFailed       = "Server.Session.auth_failed"
	FaultEnvelopeMissed   = "Client.check_auth.envelope_missed"
	FaultSessionExpired   = "Server.Session.check_auth.auth_failed"
	FaultBadJWT           = "Client.Session.check_auth.failed_to_process_jwt"
	FaultRefreshFailed    = "Server.Session.refresh_access_token.refresh_failed"
	FaultLoginBruteForce  = "Server.Session.cannot_login_brute_force_activity"
	FaultUnknownMethod    = "Client.Generic.unknown_method"
	FaultMalformedRequest = "Client.Generic.malformed_request"
	FaultInternal         = "Server.Generic.internal_error"

	FaultCustomerDuplicateID    = "Server.Customer.duplicate_id"
	FaultCustomerDuplicateLogin = "Server.Customer.duplicate_login"
	FaultCustomerNotFound       = "Server.Customer.not_found"
	FaultParentNotFound         = "Server.Customer.parent_not_found"
	FaultCustomerHasAccounts    = "Server.Customer.customer_has_accounts"
	FaultCustomerHasExtensions  = "Server.Customer.customer_has_extensions"
	FaultCustomerHasChildren    = "Server.Customer.customer_has_subcustomers"
	FaultCurrencyChange         = "Server.Customer.cannot_change_currency"
	FaultExtensionInUse         = "Server.Customer.Ext_HG_number_already_in_use"
	FaultExtensionNotFound      = "Server.Customer.extension_not_found"
	FaultExtensionAccount       = "Server.Customer.account_not_found"

	FaultAccountDuplicateID    = "Server.Account.duplicate_id"
	FaultAccountDuplicateLogin = "Server.Account.duplicate_login"
	FaultAccountNotFound       = "Server.Account.not_found"
	FaultAccountCustomer       = "Server.Account.customer_not_found"
	FaultMasterNotFound        = "Server.Account.master_account_not_found"
	FaultAliasNotFound         = "Server.Account.alias_not_found"
	FaultWeakPassword          = "Client.Account.weak_password.account_info.h323_password"
)

// WeakPasswordMessage is the faultstring of a rejected easy-to-guess
// account password; clients match on it rather than on the faultcode.
const WeakPasswordMessage = "Failed to add Account: The service password should not be easy to guess."

// apiFault is an API-level error, sent as HTTP 500 with a
// {"faultcode","faultstring"} body.
type apiFault struct {
	Code   string `json:"faultcode"`
	String string `json:"faultstring"`
}

func (f *apiFault) Error() string {
	return f.Code + ": " + f.String
}

func faultf(code, format string, args ...any) *apiFault {
	return &apiFault{Code: code, String: fmt.Sprintf(format, args...)}
}

// missingField builds the fault for an absent required field, in the
// Client.<Service>.<problem>.<struct>.<field> pattern of PortaBilling
// validation faults, e.g. Client.Customer.missing_required_field.customer_info.name.
func missingField(service, path string) *apiFault {
	return faultf("Client."+service+".missing_required_field."+path,
		"Required field %s is missing", path)
}

// invalidField builds the fault for a field whose value has the wrong type
// or range.
func invalidField(service, path, reason string) *apiFault {
	return faultf("Client."+service+".invalid_value."+path,
		"Field %s is invalid: %s", path, reason)
}
