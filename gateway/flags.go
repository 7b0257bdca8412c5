package gateway

import (
	"github.com/spf13/pflag"
)

// Flags holds `tailui gateway`'s command-line flags: the address to listen on and
// the Config they bind to directly. The CLI registers them with AddFlags, then calls
// New with the Config and listens on Listen:
//
//	f := gateway.DefaultFlags()
//	f.AddFlags(cmd.Flags())
//	...
//	g, err := gateway.New(f.Config)
//	ln, err := net.Listen("tcp", f.Listen)
//	err = g.Serve(ctx, ln)
//
// Logger and Transport have no flags (they stay nil: the defaults).
type Flags struct {
	Listen string
	Config
}

// DefaultFlags returns the flags' default values.
func DefaultFlags() Flags {
	return Flags{
		Listen: ":8080",
		Config: Config{
			MaxIdle:         DefaultMaxIdle,
			MaxRequestBytes: DefaultMaxRequestBytes,
			MaxHeaderBytes:  DefaultMaxHeaderBytes,
			// The timeouts' defaults are New's, so that a zero Config and the flags agree.
			ReadHeaderTimeout: DefaultReadHeaderTimeout,
			ReadBodyTimeout:   DefaultReadBodyTimeout,
		},
	}
}

// AddFlags registers f's fields on fs, with f's current values as defaults.
func (f *Flags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Listen, "listen", f.Listen, "address to listen on")
	fs.StringVar(&f.Upstream, "upstream", f.Upstream, "Loki base URL, e.g. http://loki.monitoring.svc:3100 (required)")
	fs.StringVar(&f.OrgID, "org-id", f.OrgID, "the Loki tenant: every request carries X-Scope-OrgID with it, and a client's X-Scope-OrgID that differs (another tenant, a|b) is refused with 403. Unset, the client's X-Scope-OrgID passes: whoever reaches the gateway picks any tenant")
	fs.StringVar(&f.BasicAuthUser, "basic-auth-user", f.BasicAuthUser, "user for basic auth to Loki (with --basic-auth-password-file)")
	fs.StringVar(&f.BasicAuthPasswordFile, "basic-auth-password-file", f.BasicAuthPasswordFile, "file holding the basic auth password for Loki, re-read on each request")
	fs.StringVar(&f.BearerTokenFile, "bearer-token-file", f.BearerTokenFile, "file holding a bearer token for Loki, re-read on each request")
	fs.DurationVar(&f.MaxIdle, "max-idle", f.MaxIdle, "cut a plain request after Loki sent nothing for this long, and close idle keep-alive connections (WebSockets exempt; negative disables)")
	fs.DurationVar(&f.MaxSession, "max-session", f.MaxSession, "close a WebSocket session after this long (0: no limit)")
	fs.Int64Var(&f.MaxRequestBytes, "max-request-bytes", f.MaxRequestBytes, "largest request body accepted")
	fs.IntVar(&f.MaxHeaderBytes, "max-header-bytes", f.MaxHeaderBytes, "largest request line plus headers accepted")
	fs.DurationVar(&f.ReadHeaderTimeout, "read-header-timeout", f.ReadHeaderTimeout, "drop a connection whose request line and headers take longer than this to arrive")
	fs.DurationVar(&f.ReadBodyTimeout, "read-body-timeout", f.ReadBodyTimeout, "answer 408 and close the connection when a request body takes longer than this to arrive (does not bound responses or WebSocket sessions)")
	fs.BoolVar(&f.Debug, "debug", f.Debug, "serve recently forwarded requests at /tailui/v1/debug/recent (tests only)")
}
