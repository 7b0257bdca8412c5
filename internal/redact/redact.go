// Package redact keeps credentials out of messages. Every URL that reaches a message
// (an error, a log line, doctor's report) goes through URL; every error that may carry
// a URL (net/http's and net/url's *url.Error) through Error, where it is made.
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// Unparsable stands for a URL that does not parse and has an '@' in it: there is no
// telling its password from the rest, so none of it is shown.
const Unparsable = "<URL not shown: it does not parse, and its user info may hold a password>"

// URL returns s as a message may show it: the password of its user info replaced by
// "xxxxx" (url.URL.Redacted). A string that does not parse is returned as is when it
// has no '@' (user info needs one), else as Unparsable.
func URL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") {
			return Unparsable
		}
		return s
	}
	return u.Redacted()
}

// Error returns err with the URL of the *url.Error it is, or wraps, redacted by URL.
// A *url.Error at the top is copied; one further down the chain is changed in place,
// since the messages of the errors that wrap it were made from it already: call Error
// where the error is made (after http.Client.Do, url.Parse), before wrapping it.
func Error(err error) error {
	if ue, ok := err.(*url.Error); ok {
		c := *ue
		c.URL = URL(c.URL)
		return &c
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = URL(ue.URL)
	}
	return err
}
