// Command tailui-demo runs tailui's UI against a fake cluster, for a quick
// look without Kubernetes: go run ./ui/demo/cmd/tailui-demo -rate 200.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/tailui/tailui/ui"
	"github.com/tailui/tailui/ui/demo"
)

func main() {
	rate := flag.Int("rate", 5, "lines per second per container")
	reconnects := flag.Int("reconnect-every", 200, "break and reconnect each stream every N lines (0: never)")
	noLoki := flag.Bool("no-loki", false, "pretend no Loki was found")
	noAlt := flag.Bool("no-alt-screen", false, "draw in the main screen")
	noMouse := flag.Bool("no-mouse", false, "leave the mouse to the terminal")
	wrap := flag.Bool("wrap", false, "wrap long lines")
	scrollback := flag.Int("scrollback", ui.DefaultScrollback, "lines kept per pane")
	pods := flag.Bool("pods", false, "open every prod pod at start, one pane each")
	flag.Parse()

	cat := demo.New()
	cat.Rate, cat.Reconnects, cat.NoLoki = *rate, *reconnects, *noLoki
	opts := ui.Options{
		Catalog:    cat,
		AltScreen:  !*noAlt,
		Mouse:      !*noMouse,
		Wrap:       *wrap,
		Scrollback: *scrollback,
		NoColor:    os.Getenv("NO_COLOR") != "",
	}
	if *pods {
		sel := &ui.Selection{}
		for _, p := range cat.Pods {
			if p.Namespace == "prod" && p.Phase == "Running" {
				sel.Pods = append(sel.Pods, ui.PodRef{Namespace: p.Namespace, Name: p.Name})
			}
		}
		opts.Initial, opts.InitialSplit = sel, true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := ui.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "tailui-demo:", err)
		os.Exit(1)
	}
}
