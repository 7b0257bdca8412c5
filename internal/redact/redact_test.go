package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://loki:3100/prefix", "http://loki:3100/prefix"},
		{"ftp://admin:PW@host/", "ftp://admin:xxxxx@host/"},
		{"https://admin:PW@127.0.0.1:6443", "https://admin:xxxxx@127.0.0.1:6443"},
		{"http://user@host/", "http://user@host/"},
		{"http://admin:PW@[::1", Unparsable},
		{"http://admin:PW@host:3x/", Unparsable},
		{"http://[::1", "http://[::1"}, // no '@': nothing to hide
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestError(t *testing.T) {
	_, perr := url.Parse("http://admin:PW@host:3x/")
	top := Error(perr)
	if strings.Contains(top.Error(), "PW") || !strings.Contains(perr.Error(), "PW") {
		t.Errorf("top-level: %v (the original %v must stay as it was)", top, perr)
	}
	ue := &url.Error{Op: "Get", URL: "https://admin:PW@host/x", Err: errors.New("boom")}
	wrapped := fmt.Errorf("loki: %w", error(ue))
	Error(wrapped)
	if strings.Contains(ue.Error(), "PW") {
		t.Errorf("wrapped *url.Error not redacted: %v", ue)
	}
	plain := errors.New("no URL here")
	if Error(plain) != plain || Error(nil) != nil {
		t.Errorf("errors without a *url.Error must pass unchanged")
	}
}
