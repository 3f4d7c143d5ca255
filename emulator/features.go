package emulator

// Flag values with a meaning of their own: "~" inherits from the product
// or customer class, which the emulator does not model, and "^" takes the
// owning customer's value.
const (
	flagInherit      = "~"
	flagFromCustomer = "^"
)

// featuresKey is the key of the service features array inside
// customer_info and account_info.
const featuresKey = "service_features"

// featureUpdate is one entry of a service_features request. flag is nil
// when the request leaves flag_value as it is.
type featureUpdate struct {
	name  string
	flag  *string
	attrs []Attribute
}

// parseFeatures reads a service_features array. Read-only keys that
// clients echo back (effective_*, locked, locks) are ignored.
func parseFeatures(service, path string, v any) ([]featureUpdate, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalidField(service, path, "not an array")
	}

	updates := make([]featureUpdate, 0, len(list))
	for _, item := range list {
		m, ok := asObject(item)
		if !ok {
			return nil, invalidField(service, path, "items must be objects")
		}
		f := newFields(service, path, m)
		name, err := f.requiredStr("name")
		if err != nil {
			return nil, err
		}
		u := featureUpdate{name: name}
		if flag, ok, err := f.str("flag_value"); err != nil {
			return nil, err
		} else if ok {
			u.flag = &flag
		}
		if u.attrs, err = parseAttributes(service, path, m["attributes"]); err != nil {
			return nil, err
		}
		updates = append(updates, u)
	}
	return updates, nil
}

func parseAttributes(service, path string, v any) ([]Attribute, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, invalidField(service, path+".attributes", "not an array")
	}

	attrs := make([]Attribute, 0, len(list))
	for _, item := range list {
		m, ok := asObject(item)
		if !ok {
			return nil, invalidField(service, path+".attributes", "items must be objects")
		}
		f := newFields(service, path+".attributes", m)
		name, err := f.requiredStr("name")
		if err != nil {
			return nil, err
		}
		values, err := parseValues(service, path+".attributes.values", m["values"])
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, Attribute{Name: name, Values: values})
	}
	return attrs, nil
}

// parseValues reads attribute values, which PortaBilling always sends as a
// list of strings. A null item becomes "" and a bare scalar a one-item list.
func parseValues(service, path string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
		if v == nil {
			items = nil
		}
	}

	values := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := scalarString(item)
		if !ok {
			return nil, invalidField(service, path, "values must be strings")
		}
		values = append(values, s)
	}
	return values, nil
}

// mergeFeatures applies updates by feature name: a listed feature gets the
// new flag when one is sent, and each listed attribute replaces the stored
// one of the same name. Features and attributes not listed stay.
func mergeFeatures(stored []ServiceFeature, updates []featureUpdate) []ServiceFeature {
	out := append([]ServiceFeature(nil), stored...)
	for _, u := range updates {
		i := indexOfFeature(out, u.name)
		if i < 0 {
			out = append(out, ServiceFeature{Name: u.name, FlagValue: flagInherit, Attributes: []Attribute{}})
			i = len(out) - 1
		}

		f := &out[i]
		f.Attributes = append([]Attribute(nil), f.Attributes...)
		if u.flag != nil {
			f.FlagValue = *u.flag
		}
		for _, a := range u.attrs {
			if j := indexOfAttribute(f.Attributes, a.Name); j >= 0 {
				f.Attributes[j] = a
			} else {
				f.Attributes = append(f.Attributes, a)
			}
		}
	}
	return out
}

func indexOfFeature(list []ServiceFeature, name string) int {
	for i, f := range list {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func indexOfAttribute(list []Attribute, name string) int {
	for i, a := range list {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// featureView is one service feature as reads return it.
type featureView struct {
	Name               string          `json:"name"`
	FlagValue          string          `json:"flag_value"`
	EffectiveFlagValue *string         `json:"effective_flag_value"`
	Locked             *int            `json:"locked,omitempty"`
	Locks              []string        `json:"locks,omitempty"`
	Attributes         []attributeView `json:"attributes"`
}

type attributeView struct {
	Name            string   `json:"name"`
	Values          []string `json:"values"`
	EffectiveValues []string `json:"effective_values"`
}

// featureReader selects and renders features for get_*_info. The parent
// list is the owning customer's features, used to resolve the "^" flag.
type featureReader struct {
	names   []string
	all     bool
	none    bool
	account bool
}

// newFeatureReader reads the get_service_features and
// without_service_features options. Without either option all stored
// features are returned.
func newFeatureReader(p fields, account bool) featureReader {
	r := featureReader{all: true, account: account}
	if p.flag("without_service_features") {
		r.none = true
		return r
	}
	if list, ok := p.m["get_service_features"].([]any); ok {
		r.all = false
		for _, item := range list {
			if s, ok := scalarString(item); ok && s != "" {
				r.names = append(r.names, s)
			}
		}
	}
	return r
}

// render returns the service_features value of a record, or nil when the
// request asked for none.
func (r featureReader) render(stored, parent []ServiceFeature) []featureView {
	if r.none {
		return nil
	}
	var selected []ServiceFeature
	if r.all {
		selected = stored
	} else {
		for _, name := range r.names {
			if i := indexOfFeature(stored, name); i >= 0 {
				selected = append(selected, stored[i])
			} else {
				selected = append(selected, ServiceFeature{Name: name, FlagValue: flagInherit})
			}
		}
	}

	views := make([]featureView, 0, len(selected))
	for _, f := range selected {
		views = append(views, r.view(f, parent))
	}
	return views
}

func (r featureReader) view(f ServiceFeature, parent []ServiceFeature) featureView {
	v := featureView{Name: f.Name, FlagValue: f.FlagValue, Attributes: []attributeView{}}
	if r.account {
		zero := 0
		v.Locked = &zero
		v.Locks = []string{}
	}

	// source is the feature whose values are effective: the record's own
	// for a concrete flag, the customer's for "^", none for "~".
	var source *ServiceFeature
	inherited := false
	switch f.FlagValue {
	case flagInherit:
	case flagFromCustomer:
		if i := indexOfFeature(parent, f.Name); i >= 0 && parent[i].FlagValue != flagInherit &&
			parent[i].FlagValue != flagFromCustomer {
			source = &parent[i]
			inherited = true
		}
	default:
		source = &f
	}
	if source != nil {
		flag := source.FlagValue
		v.EffectiveFlagValue = &flag
	}

	for _, a := range f.Attributes {
		v.Attributes = append(v.Attributes, attributeView{
			Name:            a.Name,
			Values:          nonNil(a.Values),
			EffectiveValues: effectiveValues(source, a.Name),
		})
	}
	if inherited {
		for _, a := range source.Attributes {
			if indexOfAttribute(f.Attributes, a.Name) < 0 {
				v.Attributes = append(v.Attributes, attributeView{
					Name: a.Name, Values: []string{}, EffectiveValues: nonNil(a.Values),
				})
			}
		}
	}
	return v
}

func effectiveValues(source *ServiceFeature, name string) []string {
	if source == nil {
		return []string{}
	}
	if i := indexOfAttribute(source.Attributes, name); i >= 0 {
		return nonNil(source.Attributes[i].Values)
	}
	return []string{}
}

func nonNil(values []string) []string {
	if values == nil {
		return []string{}
	}
	return values
}

// splitFeatures removes service_features from an object about to be
// stored and parses it, so the info blob and the features never disagree.
func splitFeatures(service, path string, info map[string]any) ([]featureUpdate, error) {
	raw, ok := info[featuresKey]
	if !ok {
		return nil, nil
	}
	delete(info, featuresKey)
	if raw == nil {
		return nil, nil
	}
	fieldPath := newFields(service, path, nil).fieldPath(featuresKey)
	if s, ok := raw.(string); ok {
		// A form-encoded client may send the array as a JSON string.
		var decoded any
		if err := decodeJSON([]byte(s), &decoded); err != nil {
			return nil, invalidField(service, fieldPath, "not an array")
		}
		raw = decoded
	}
	return parseFeatures(service, fieldPath, raw)
}
