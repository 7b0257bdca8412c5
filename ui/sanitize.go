package ui

import "github.com/tailui/tailui/stream"

// clean makes text from outside (pod names, errors, Loki labels) safe to
// print: escape sequences and other controls become visible escapes.
func clean(s string) string {
	return stream.SanitizeString(s, stream.SanitizeOptions{})
}
