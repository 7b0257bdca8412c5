package doctor

import (
	"testing"

	"github.com/tailui/tailui/kube"
)

func TestProxyNameIsWhatRBACSees(t *testing.T) {
	tests := []struct {
		ref  kube.ServiceRef
		want string
	}{
		{kube.ServiceRef{Namespace: "monitoring", Name: "tailui-gateway", Port: "http"}, "tailui-gateway:http"},
		{kube.ServiceRef{Namespace: "m", Name: "loki"}, "loki"},
		{kube.ServiceRef{Namespace: "m", Name: "loki", Port: "https", Scheme: "https"}, "https:loki:https"},
	}
	for _, tc := range tests {
		if got := proxyName(tc.ref); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.ref, got, tc.want)
		}
	}
}

func TestDoctorPassed(t *testing.T) {
	tests := []struct {
		states []CheckState
		want   bool
	}{
		{[]CheckState{CheckPass, CheckPass}, true},
		{[]CheckState{CheckPass, CheckWarn, CheckSkip}, true},
		{[]CheckState{CheckPass, CheckFail}, false},
	}
	for _, tc := range tests {
		var cs []Check
		for _, s := range tc.states {
			cs = append(cs, Check{State: s})
		}
		if got := DoctorPassed(cs); got != tc.want {
			t.Errorf("%v: %v", tc.states, got)
		}
	}
}
