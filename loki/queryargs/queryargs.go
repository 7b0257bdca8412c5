package queryargs

// The queryargs codec moves a request's query string into its path and back.
//
// A WebSocket upgrade through the Kubernetes API server's service or pod proxy loses
// its query string (kubernetes issue 77142), so Loki's /loki/api/v1/tail?query=...
// answers 400. tailui's client therefore sends
//
//	/loki/api/v1/tail/queryargs/<base64url(rawQuery), padded>/
//
// and `tailui gateway`, a reverse proxy in the cluster, restores
// /loki/api/v1/tail?<rawQuery> before Loki sees the request (the approach Banzai
// Cloud published for One Eye). Both sides use this file, so the two cannot drift.
//
// Wire format, and what DecodeQueryArgs accepts:
//
//   - The segment name is exactly "queryargs" (lowercase), and the path holds it once.
//   - It is followed by exactly one segment, the encoded query, which ends the path;
//     one trailing slash after it is optional (EncodeQueryArgs writes one).
//   - The encoding is base64 with the URL-safe alphabet (RFC 4648 §5) WITH padding,
//     in canonical form (unused trailing bits zero). Unpadded input is refused: one
//     spelling per query keeps logs, caches and comparisons simple, and the error
//     names the fix. The standard alphabet ('+', '/') is refused too ('/' could not
//     survive in a path segment anyway).
//   - The encoded segment is at most MaxQueryArgsBytes long.
//   - The decoded query is a raw query string as it would appear after '?': only
//     bytes RFC 3986 allows in a query (so no spaces, control bytes, '#' or
//     non-ASCII; everything else must be percent-encoded, as url.Values.Encode does),
//     and url.ParseQuery must accept it (valid escapes, no ';'). It is never empty.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// QueryArgsSegment is the path segment that introduces a path-encoded query.
const QueryArgsSegment = "queryargs"

// MaxQueryArgsBytes is the largest encoded query segment DecodeQueryArgs accepts
// (16 KiB of base64, about 12 KiB of raw query). LogQL selectors are far smaller;
// the limit bounds what a gateway decodes and forwards.
const MaxQueryArgsBytes = 16 << 10

// ErrBadQueryArgs is matched (errors.Is) by every error DecodeQueryArgs returns.
// A gateway answers such a request with 400 and the error's Reason.
var ErrBadQueryArgs = errors.New("bad queryargs")

// ErrQueryArgsTooLong is matched, in addition to ErrBadQueryArgs, when the encoded
// query is longer than MaxQueryArgsBytes (a gateway may answer 414).
var ErrQueryArgsTooLong = errors.New("queryargs too long")

// QueryArgsError is the error DecodeQueryArgs returns: Reason says, for a human,
// what is wrong with the path.
type QueryArgsError struct {
	Reason  string
	tooLong bool
}

// Error returns "stream: bad queryargs: " followed by the reason.
func (e *QueryArgsError) Error() string { return "stream: bad queryargs: " + e.Reason }

// Is reports whether target is ErrBadQueryArgs, or ErrQueryArgsTooLong for an
// oversized query.
func (e *QueryArgsError) Is(target error) bool {
	return target == ErrBadQueryArgs || (e.tooLong && target == ErrQueryArgsTooLong)
}

func badArgs(format string, args ...any) error {
	return &QueryArgsError{Reason: fmt.Sprintf(format, args...)}
}

// EncodeQueryArgs returns path with "/queryargs/<base64url(rawQuery)>/" appended;
// one trailing slash on path is dropped first, so "/tail" and "/tail/" give the
// same result. An empty rawQuery returns path unchanged. rawQuery is not checked:
// DecodeQueryArgs refuses what is not a valid raw query (see the file comment).
func EncodeQueryArgs(path, rawQuery string) string {
	if rawQuery == "" {
		return path
	}
	return strings.TrimSuffix(path, "/") + "/" + QueryArgsSegment + "/" +
		base64.URLEncoding.EncodeToString([]byte(rawQuery)) + "/"
}

// DecodeQueryArgs splits a path made by EncodeQueryArgs into the original path and
// raw query. cleanPath is the path before "/queryargs/", or "/" when nothing is
// before it; it is exactly EncodeQueryArgs' input path without its trailing slash.
//
// A path with no "queryargs" segment is not an error: it comes back unchanged with
// an empty rawQuery, so callers can pass every path through. Everything else that is
// not the wire format (see the file comment) returns a *QueryArgsError matching
// ErrBadQueryArgs. DecodeQueryArgs works on the path as sent (escaped form): a
// percent-encoded "queryargs" is not recognised, and a gateway should refuse
// percent-encoding in paths before calling this.
func DecodeQueryArgs(path string) (cleanPath, rawQuery string, err error) {
	trimmed := strings.TrimSuffix(path, "/")
	segs := strings.Split(trimmed, "/")
	at, n := -1, 0
	for i, s := range segs {
		if s == QueryArgsSegment {
			at, n = i, n+1
		}
	}
	switch {
	case n == 0:
		return path, "", nil
	case n > 1:
		return "", "", badArgs("path holds %d %q segments, want one", n, QueryArgsSegment)
	case at == len(segs)-1:
		return "", "", badArgs("%q segment is not followed by the encoded query", QueryArgsSegment)
	case at != len(segs)-2:
		return "", "", badArgs("%q segment must be followed by exactly one segment (the encoded query) at the end of the path", QueryArgsSegment)
	}
	enc := segs[len(segs)-1]
	if enc == "" { // "queryargs//"
		return "", "", badArgs("encoded query is empty")
	}
	if len(enc) > MaxQueryArgsBytes {
		return "", "", &QueryArgsError{
			Reason:  fmt.Sprintf("encoded query is %d bytes, more than the limit of %d", len(enc), MaxQueryArgsBytes),
			tooLong: true,
		}
	}
	if err := checkBase64URL(enc); err != nil {
		return "", "", err
	}
	// Strict: refuses non-zero trailing bits. Newlines cannot reach it (checked above).
	raw, derr := base64.URLEncoding.Strict().DecodeString(enc)
	if derr != nil {
		return "", "", badArgs("encoded query is not valid base64url: %v", derr)
	}
	q := string(raw)
	if q == "" {
		return "", "", badArgs("decoded query is empty")
	}
	if err := checkRawQuery(q); err != nil {
		return "", "", err
	}
	cleanPath = strings.Join(segs[:at], "/")
	if cleanPath == "" {
		cleanPath = "/"
	}
	return cleanPath, q, nil
}

// checkBase64URL refuses characters outside the URL-safe alphabet and misplaced or
// missing padding, with a reason a person can act on.
func checkBase64URL(s string) error {
	pad := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			pad++
		case pad > 0:
			return badArgs("encoded query has %q after padding at offset %d", c, i)
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '+' || c == '/':
			return badArgs("encoded query uses the standard base64 alphabet (%q at offset %d), want URL-safe base64 ('-', '_')", c, i)
		default:
			return badArgs("encoded query has %q at offset %d, not in the URL-safe base64 alphabet", c, i)
		}
	}
	if len(s)%4 != 0 || pad > 2 {
		return badArgs("encoded query is %d bytes with %d padding bytes: want URL-safe base64 with '=' padding to a multiple of 4", len(s), pad)
	}
	return nil
}

// checkRawQuery refuses bytes RFC 3986 does not allow in a query, then anything
// url.ParseQuery refuses.
func checkRawQuery(q string) error {
	for i := 0; i < len(q); i++ {
		if !isQueryByte(q[i]) {
			return badArgs("decoded query has %q at offset %d; percent-encode it", q[i], i)
		}
	}
	if _, err := url.ParseQuery(q); err != nil {
		return badArgs("decoded query does not parse: %v", err)
	}
	return nil
}

// isQueryByte reports whether c may appear unescaped in a URL query (RFC 3986:
// unreserved, sub-delims, ':', '@', '/', '?', and '%' for escapes).
func isQueryByte(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0
}
