package queryargs

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestEncodeQueryArgs(t *testing.T) {
	q := "query=%7Bapp%3D%22web%22%7D&limit=100"
	b := base64.URLEncoding.EncodeToString([]byte(q))
	tests := []struct {
		name, path, query, want string
	}{
		{"tail", "/loki/api/v1/tail", q, "/loki/api/v1/tail/queryargs/" + b + "/"},
		{"trailing slash", "/loki/api/v1/tail/", q, "/loki/api/v1/tail/queryargs/" + b + "/"},
		{"root", "/", q, "/queryargs/" + b + "/"},
		{"empty path", "", q, "/queryargs/" + b + "/"},
		{"empty query", "/loki/api/v1/tail", "", "/loki/api/v1/tail"},
		{"empty query keeps slash", "/loki/api/v1/tail/", "", "/loki/api/v1/tail/"},
		{"padding", "/x", "a=1", "/x/queryargs/YT0x/"},
		{"padding two", "/x", "a=12", "/x/queryargs/YT0xMg==/"},
		{"url alphabet", "/x", "a=>>>?", "/x/queryargs/YT0-Pj4_/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeQueryArgs(tt.path, tt.query); got != tt.want {
				t.Errorf("EncodeQueryArgs(%q, %q) = %q, want %q", tt.path, tt.query, got, tt.want)
			}
		})
	}
}

func TestDecodeQueryArgs(t *testing.T) {
	enc := func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
	q := "query=%7Bapp%3D%22web%22%7D&limit=100&start=1700000000000000000"
	tests := []struct {
		name      string
		path      string
		wantPath  string
		wantQuery string
		wantErr   string // substring of the reason; "" means no error
		tooLong   bool
	}{
		{name: "with final slash", path: "/loki/api/v1/tail/queryargs/" + enc(q) + "/", wantPath: "/loki/api/v1/tail", wantQuery: q},
		{name: "without final slash", path: "/loki/api/v1/tail/queryargs/" + enc(q), wantPath: "/loki/api/v1/tail", wantQuery: q},
		{name: "at root", path: "/queryargs/" + enc("a=1") + "/", wantPath: "/", wantQuery: "a=1"},
		{name: "relative", path: "queryargs/" + enc("a=1"), wantPath: "/", wantQuery: "a=1"},
		{name: "raw selector chars allowed by RFC 3986", path: "/x/queryargs/" + enc("query=count_over_time(x)&a=b:c@d/e?f") + "/", wantPath: "/x", wantQuery: "query=count_over_time(x)&a=b:c@d/e?f"},
		{name: "no segment", path: "/loki/api/v1/labels", wantPath: "/loki/api/v1/labels"},
		{name: "no segment trailing slash kept", path: "/loki/api/v1/labels/", wantPath: "/loki/api/v1/labels/"},
		{name: "no segment empty", path: "", wantPath: ""},
		{name: "uppercase is not the segment", path: "/x/QUERYARGS/" + enc("a=1") + "/", wantPath: "/x/QUERYARGS/" + enc("a=1") + "/"},
		{name: "prefix match is not the segment", path: "/x/queryargsX/abc/", wantPath: "/x/queryargsX/abc/"},

		{name: "two segments", path: "/queryargs/" + enc("a=1") + "/queryargs/" + enc("b=2") + "/", wantErr: "2 \"queryargs\" segments"},
		{name: "two segments adjacent", path: "/x/queryargs/queryargs/", wantErr: "2 \"queryargs\" segments"},
		{name: "segment last", path: "/x/queryargs/", wantErr: "not followed"},
		{name: "segment last no slash", path: "/x/queryargs", wantErr: "not followed"},
		{name: "not second to last", path: "/x/queryargs/" + enc("a=1") + "/tail", wantErr: "exactly one segment"},
		{name: "not second to last with slash", path: "/x/queryargs/" + enc("a=1") + "/tail/", wantErr: "exactly one segment"},
		{name: "double final slash", path: "/x/queryargs/" + enc("a=1") + "//", wantErr: "exactly one segment"},
		{name: "empty encoded", path: "/x/queryargs//", wantErr: "encoded query is empty"},
		{name: "unpadded", path: "/x/queryargs/YT0xMg/", wantErr: "padding"},
		{name: "too much padding", path: "/x/queryargs/YT0x====/", wantErr: "padding"},
		{name: "data after padding", path: "/x/queryargs/YT0=xMg=/", wantErr: "after padding"},
		{name: "standard alphabet plus", path: "/x/queryargs/YT0+Pj4_/", wantErr: "standard base64 alphabet"},
		{name: "bad char", path: "/x/queryargs/YT0*Pj4_/", wantErr: "not in the URL-safe base64 alphabet"},
		{name: "percent", path: "/x/queryargs/YT0x%3D/", wantErr: "not in the URL-safe base64 alphabet"},
		{name: "newline is not skipped", path: "/x/queryargs/YT0x\nMg==/", wantErr: "not in the URL-safe base64 alphabet"},
		{name: "non-canonical trailing bits", path: "/x/queryargs/YT0xMh==/", wantErr: "not valid base64url"},
		{name: "space in query", path: "/x/queryargs/" + enc("a=b c") + "/", wantErr: "' ' at offset 3"},
		{name: "control byte in query", path: "/x/queryargs/" + enc("a=b\r\nHost: evil") + "/", wantErr: "'\\r' at offset 3"},
		{name: "hash in query", path: "/x/queryargs/" + enc("a=b#c") + "/", wantErr: "'#'"},
		{name: "non-ascii in query", path: "/x/queryargs/" + enc("a=é") + "/", wantErr: "percent-encode"},
		{name: "raw brace", path: "/x/queryargs/" + enc(`query={app="x"}`) + "/", wantErr: "'{' at offset 6"},
		{name: "bad escape", path: "/x/queryargs/" + enc("a=%zz") + "/", wantErr: "does not parse"},
		{name: "semicolon", path: "/x/queryargs/" + enc("a=1;b=2") + "/", wantErr: "does not parse"},
		{name: "oversized", path: "/x/queryargs/" + strings.Repeat("A", MaxQueryArgsBytes+4) + "/", wantErr: "more than the limit", tooLong: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, q, err := DecodeQueryArgs(tt.path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("DecodeQueryArgs(%q) error: %v", tt.path, err)
				}
				if p != tt.wantPath || q != tt.wantQuery {
					t.Fatalf("DecodeQueryArgs(%q) = %q, %q, want %q, %q", tt.path, p, q, tt.wantPath, tt.wantQuery)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeQueryArgs(%q) = %q, %q, want error containing %q", tt.path, p, q, tt.wantErr)
			}
			if !errors.Is(err, ErrBadQueryArgs) {
				t.Errorf("error %v does not match ErrBadQueryArgs", err)
			}
			if got := errors.Is(err, ErrQueryArgsTooLong); got != tt.tooLong {
				t.Errorf("errors.Is(err, ErrQueryArgsTooLong) = %v, want %v", got, tt.tooLong)
			}
			var qe *QueryArgsError
			if !errors.As(err, &qe) {
				t.Fatalf("error %T is not a *QueryArgsError", err)
			}
			if !strings.Contains(qe.Reason, tt.wantErr) {
				t.Errorf("reason %q does not contain %q", qe.Reason, tt.wantErr)
			}
			if p != "" || q != "" {
				t.Errorf("on error got %q, %q, want empty results", p, q)
			}
		})
	}
}

// TestQueryArgsLimitBoundary pins the size limit: exactly MaxQueryArgsBytes passes.
func TestQueryArgsLimitBoundary(t *testing.T) {
	tests := []struct {
		name    string
		encLen  int
		wantErr bool
	}{
		{"at limit", MaxQueryArgsBytes, false},
		{"over limit", MaxQueryArgsBytes + 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "q=" + strings.Repeat("a", tt.encLen/4*3-2)
			p := EncodeQueryArgs("/t", raw)
			if n := len(base64.URLEncoding.EncodeToString([]byte(raw))); n != tt.encLen {
				t.Fatalf("test setup: encoded length %d, want %d", n, tt.encLen)
			}
			_, q, err := DecodeQueryArgs(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DecodeQueryArgs error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && q != raw {
				t.Fatalf("query did not round-trip")
			}
		})
	}
}
