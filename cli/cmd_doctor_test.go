package cli

import (
	"bytes"
	"testing"

	"github.com/tailui/tailui/doctor"
)

func TestCheckPrinter(t *testing.T) {
	var b bytes.Buffer
	p := &checkPrinter{w: &b}
	for _, c := range []doctor.Check{
		{Group: "kubernetes", Name: "kubeconfig loads", State: doctor.CheckPass, Detail: `context "x"`},
		{Group: "loki", Name: "Loki is ready", State: doctor.CheckFail, Detail: "Ingester not ready", Hint: "wait"},
		{Group: "loki", Name: "a port-forward works", State: doctor.CheckWarn, Detail: "refused"},
		{Group: "gateway", Name: "the gateway answers", State: doctor.CheckSkip, Detail: "needs Loki"},
		{Group: "gateway", Name: "hostile", State: doctor.CheckFail, Detail: "503 \x1b]0;pwned\x07\u202e", Hint: "\x1b[2J"},
	} {
		p.print(c)
	}
	want := `kubernetes
----------
√ kubeconfig loads: context "x"

loki
----
× Loki is ready
    Ingester not ready
    hint: wait
‼ a port-forward works
    refused

gateway
-------
- the gateway answers (skipped: needs Loki)
× hostile
    503 \x1b]0;pwned\x07\u202e
    hint: \x1b[2J
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
