// Package emulator emulates the part of the PortaBilling JSON API (admin
// realm) that the provisioning service calls: sessions, customers,
// accounts, aliases, extensions and service features. State is kept in
// SQLite, so it survives a restart. Sessions are kept in memory, so a
// restart logs every client out.
//
// # API
//
// Requests are POST /rest/{Service}/{method}, with an optional trailing
// slash. The body is JSON {"params": {...}, "auth_info": {...}}, or form
// fields params and auth_info that each contain a JSON string. Success is
// HTTP 200 with a bare JSON object. API faults are HTTP 500 with
// {"faultcode", "faultstring"}, and the codes are the Fault constants.
//
// Where the vendor documentation leaves behaviour open, the emulator
// picks one:
//   - Missing and invalid fields fault with
//     Client.<Service>.missing_required_field.<path> and
//     Client.<Service>.invalid_value.<path>, e.g.
//     Client.Customer.missing_required_field.customer_info.name.
//   - Calls that change an unknown or closed customer or account fault
//     with FaultCustomerNotFound or FaultAccountNotFound, except that
//     delete_customer also removes a closed customer. Unknown aliases and
//     extensions fault with FaultAliasNotFound and FaultExtensionNotFound.
//     get_*_info returns {} for unknown objects and returns closed ones
//     with bill_status C.
//   - delete_customer faults with FaultCustomerHasAccounts,
//     FaultCustomerHasExtensions or FaultCustomerHasChildren while the
//     customer owns such objects. Closed accounts count only with
//     Config.ClosedAccountsBlockDelete.
//   - terminate_account closes the account and its aliases and renames
//     their ids to <id>-old<NNN>, so the numbers can be used again.
//     terminate_customer closes only the customer.
//   - Customer names stay taken after terminate_customer.
//
// # Control API
//
// Paths under /_emulator/ drive tests and never overlap /rest/:
//
//	GET    /healthz
//	GET    /_emulator/state                   State of all objects
//	POST   /_emulator/reset                   wipe objects, rules, journal
//	GET    /_emulator/calls?since=N&method=M  call journal ([]Call)
//	GET    /_emulator/faults                  rules with match counts
//	POST   /_emulator/faults                  add a FaultRule, returns {"id"}
//	DELETE /_emulator/faults                  remove all rules
//	DELETE /_emulator/faults/{id}             remove one rule
//	POST   /_emulator/sessions/expire         ExpireRequest
//	POST   /_emulator/sessions/login_policy   LoginPolicy
//
// AdminClient wraps these calls. This fault rule fails the next two
// add_alias calls for one number, then lets later calls through:
//
//	{"method": "Account.add_alias", "match": {"alias_info.id": "12025550100"},
//	 "action": "fault", "faultcode": "Server.Account.busy", "count": 2}
package emulator
