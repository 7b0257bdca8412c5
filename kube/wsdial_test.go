package kube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	gws "github.com/gorilla/websocket"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestWSDialerKeepsKubeconfigAuthAndOffersNoSubprotocol(t *testing.T) {
	seen := make(chan http.Header, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		up := gws.Upgrader{}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		_ = c.WriteMessage(gws.TextMessage, []byte(`{"streams":[]}`))
		_ = c.Close()
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL, BearerToken: "s3cret",
		Impersonate: rest.ImpersonationConfig{UserName: "jane", Groups: []string{"devs"}},
		UserAgent:   "tailui-test"}
	cfg.TLSClientConfig.Insecure = true
	d, err := newKubeWSDialer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL + "/loki/api/v1/tail")
	c, err := d.Dial(context.Background(), u, http.Header{"X-Scope-Orgid": {"team-a"}})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if c.Subprotocol() != "" {
		t.Errorf("negotiated %q, want none", c.Subprotocol())
	}
	h := <-seen
	for k, want := range map[string]string{
		"Authorization": "Bearer s3cret", "Impersonate-User": "jane", "Impersonate-Group": "devs",
		"X-Scope-Orgid": "team-a", "User-Agent": "tailui-test", "Sec-Websocket-Protocol": "",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != `{"streams":[]}` {
		t.Errorf("read %q %v", msg, err)
	}
}

func TestWSDialerReadsRefusals(t *testing.T) {
	tests := []struct {
		name        string
		code        int
		ctype, body string
		wantMsg     string
		apiServer   bool
		permanent   bool
	}{
		{"Loki's text", 400, "text/plain", "parse error at line 1, col 5: syntax error: unexpected $end\n",
			"parse error at line 1, col 5: syntax error: unexpected $end", false, false},
		{"API server RBAC", 403, "application/json",
			`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services \"loki:3100\" is forbidden: User \"nobody\" cannot get resource \"services/proxy\" in API group \"\" in the namespace \"monitoring\"","reason":"Forbidden","details":{"name":"loki:3100","kind":"services"},"code":403}`,
			`forbidden: user "nobody" cannot get services/proxy in namespace "monitoring"`, true, true},
		{"hostile body", 502, "text/html", "<h1>bad\x1b]52;c;aGk=\x07gateway</h1>", `\x1b]52`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			d := &wsDialer{}
			u, _ := url.Parse(srv.URL + "/x")
			_, err := d.Dial(context.Background(), u, nil)
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%T), want a *ResponseError", err, err)
			}
			if re.StatusCode != tc.code || re.FromAPIServer() != tc.apiServer {
				t.Errorf("status %d, from API server %v", re.StatusCode, re.FromAPIServer())
			}
			got := re.Message()
			if tc.apiServer {
				got = Explain(err)
			}
			if !strings.Contains(got, tc.wantMsg) {
				t.Errorf("message %q, want it to hold %q", got, tc.wantMsg)
			}
			if strings.ContainsRune(got, 0x1b) {
				t.Errorf("message %q holds a raw escape", got)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent = %v", !tc.permanent)
			}
		})
	}
}

func TestWSDialerRunsExecPlugins(t *testing.T) {
	seen := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Authorization")
		up := gws.Upgrader{}
		if c, err := up.Upgrade(w, r, nil); err == nil {
			_ = c.Close()
		}
	}))
	defer srv.Close()
	script := t.TempDir() + "/cred"
	cred := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}`
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho '"+cred+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := &rest.Config{Host: srv.URL, ExecProvider: &clientcmdapi.ExecConfig{
		Command: script, APIVersion: "client.authentication.k8s.io/v1", InteractiveMode: clientcmdapi.NeverExecInteractiveMode}}
	cfg.TLSClientConfig.Insecure = true
	d, err := newKubeWSDialer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL + "/x")
	c, err := d.Dial(context.Background(), u, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	_ = c.Close()
	if got := <-seen; got != "Bearer from-exec" {
		t.Errorf("Authorization %q, want the exec plugin's token", got)
	}
}
