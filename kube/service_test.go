package kube

import "testing"

func TestParseServiceRef(t *testing.T) {
	tests := []struct {
		in, def string
		want    ServiceRef
		path    string
		bad     bool
	}{
		{"monitoring/loki:3100", "x", ServiceRef{"monitoring", "loki", "3100", ""}, "/api/v1/namespaces/monitoring/services/loki:3100/proxy", false},
		{"loki", "shop", ServiceRef{"shop", "loki", "", ""}, "/api/v1/namespaces/shop/services/loki/proxy", false},
		{"m/https:loki:https", "x", ServiceRef{"m", "loki", "https", "https"}, "/api/v1/namespaces/m/services/https:loki:https/proxy", false},
		{"m/loki:a:b", "x", ServiceRef{}, "", true},
		{"m/", "x", ServiceRef{}, "", true},
		{"m/lo ki", "x", ServiceRef{}, "", true},
	}
	for _, tc := range tests {
		got, err := ParseServiceRef(tc.in, tc.def)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted", tc.in)
			}
			continue
		}
		if err != nil || got != tc.want || got.ProxyPath() != tc.path {
			t.Errorf("%q: %+v %q %v, want %+v %q", tc.in, got, got.ProxyPath(), err, tc.want, tc.path)
		}
	}
}
