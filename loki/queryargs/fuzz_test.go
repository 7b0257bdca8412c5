package queryargs

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// validQueryArgsInput reports whether (p, q) is something Encode then Decode must
// round-trip: p holds no queryargs segment, q is a non-empty valid raw query that
// fits the limit.
func validQueryArgsInput(p, q string) bool {
	if q == "" || base64.URLEncoding.EncodedLen(len(q)) > MaxQueryArgsBytes {
		return false
	}
	for _, s := range strings.Split(p, "/") {
		if s == QueryArgsSegment {
			return false
		}
	}
	for i := 0; i < len(q); i++ {
		if !isQueryByte(q[i]) {
			return false
		}
	}
	_, err := url.ParseQuery(q)
	return err == nil
}

func FuzzQueryArgs(f *testing.F) {
	f.Add("/loki/api/v1/tail", "query=%7Bapp%3D%22web%22%7D&limit=10")
	f.Add("/", "a=1")
	f.Add("", "x")
	f.Add("/a/b/", "a=%zz")
	f.Add("/queryargs/YT0x/", "a=1")
	f.Add("/x/queryargs/YT0xMg/", "")
	f.Add("a//b", "q=1&&&")
	f.Fuzz(func(t *testing.T, p, q string) {
		// Decode never panics on arbitrary input, and errors are always typed.
		for _, in := range []string{p, p + "/" + q, p + "/queryargs/" + q} {
			cp, rq, err := DecodeQueryArgs(in)
			if err != nil {
				if !errors.Is(err, ErrBadQueryArgs) {
					t.Fatalf("DecodeQueryArgs(%q): untyped error %v", in, err)
				}
				continue
			}
			if rq != "" && !validQueryArgsInput(cp, rq) {
				t.Fatalf("DecodeQueryArgs(%q) accepted invalid %q, %q", in, cp, rq)
			}
		}
		if !validQueryArgsInput(p, q) {
			return
		}
		enc := EncodeQueryArgs(p, q)
		gotP, gotQ, err := DecodeQueryArgs(enc)
		if err != nil {
			t.Fatalf("DecodeQueryArgs(EncodeQueryArgs(%q, %q)) error: %v", p, q, err)
		}
		wantP := strings.TrimSuffix(p, "/")
		if wantP == "" {
			wantP = "/"
		}
		if gotP != wantP || gotQ != q {
			t.Fatalf("round trip of (%q, %q) gave (%q, %q), want (%q, %q)", p, q, gotP, gotQ, wantP, q)
		}
	})
}
