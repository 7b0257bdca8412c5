package ui

import (
	"regexp"
	"strings"

	"github.com/tailui/tailui/stream"
)

// idFields are the field names (lower case, without _ - .) that carry an ID worth
// following across panes, most specific first.
var idFields = []string{"traceid", "requestid", "correlationid", "xrequestid", "spanid", "reqid", "txid", "transactionid"}

// idToken finds an ID in free text: a UUID, or a hexadecimal run of 16 characters
// or more (trace and span IDs).
var idToken = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-fA-F]{16,64}\b`)

// lineID returns the ID a line carries and the field it came from ("" for a token
// found in free text); value is "" when the line holds none.
func lineID(text string) (field, value string) {
	if f := stream.ParseFields(text); f != nil {
		best := len(idFields)
		for k, v := range f {
			norm := strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(k))
			for i, name := range idFields {
				if norm == name && i < best && v != "" {
					best, field, value = i, k, v
				}
			}
		}
		if value != "" {
			return field, value
		}
	}
	return "", idToken.FindString(text)
}
