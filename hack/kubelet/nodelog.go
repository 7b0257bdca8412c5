package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"time"

	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The node log query (/logs/), as pkg/kubelet/kubelet.go (Run), kubelet_server_journal.go
// and kubelet_server_journal_linux.go of Kubernetes v1.36.3 serve it. The stand-in
// has no journald: its journal is in memory (units kubelet.service and
// containerd.service, lines added over time), printed the way `journalctl --utc
// --no-pager --output=short-precise` prints it. Its /var/log is --log-dir.

const (
	nlqDateLayout       = "2006-1-2 15:4:5" // what the kubelet hands journalctl --since/--until
	nlqMaxTailLines     = 100000
	nlqMaxServiceLength = 256
	nlqMaxServices      = 4
	// journalTimeLayout is short-precise's timestamp (with --utc).
	journalTimeLayout = "Jan 02 15:04:05.000000"
)

var reServiceNameUnsafe = regexp.MustCompile(`[^a-zA-Z\-_.:0-9@]+`)

// nodeLogConfig is what decides how /logs/ behaves: the NodeLogQuery feature gate and
// the kubelet configuration's enableSystemLogHandler and enableSystemLogQuery.
type nodeLogConfig struct {
	gate          bool // NodeLogQuery (GA and locked on in 1.36; off here emulates an older kubelet)
	handler       bool // enableSystemLogHandler (default true)
	query         bool // enableSystemLogQuery (default false in a real kubelet)
	logDir        string
	nodeName      string
	journalPeriod time.Duration // one kubelet line this often (containerd: every 4th)
}

// journalEntry is one record of the stand-in's journal.
type journalEntry struct {
	t    time.Time
	unit string // without .service
	pid  int
	msg  string
}

// journal is the stand-in's journald: append-only, time-ordered records.
type journal struct {
	mu      sync.Mutex
	entries []journalEntry
	seq     map[string]int
	node    string
	now     func() time.Time
	// zone is the node's time zone, in which journalctl reads --since and --until
	// (the kubelet hands it the wall clock of sinceTime as given, without a zone).
	zone *time.Location
}

var journalPIDs = map[string]int{"kubelet": 1187, "containerd": 642}

func newJournal(node string, now func() time.Time) *journal {
	return &journal{seq: map[string]int{}, node: node, now: now, zone: time.UTC}
}

// add appends one generated line of unit at t (at least the last record's time, so the
// journal stays ordered).
func (j *journal) add(unit string, t time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.addLocked(unit, t)
}

func (j *journal) addLocked(unit string, t time.Time) {
	if n := len(j.entries); n > 0 && t.Before(j.entries[n-1].t) {
		t = j.entries[n-1].t
	}
	j.seq[unit]++
	j.entries = append(j.entries, journalEntry{t: t, unit: unit, pid: journalPIDs[unit], msg: journalMessage(unit, j.seq[unit], t, j.node)})
	if len(j.entries) > 200000 {
		j.entries = append(j.entries[:0:0], j.entries[50000:]...)
	}
}

var kubeletMessages = []string{
	`kubelet.go:2471] "SyncLoop (PLEG): event for pod" pod="shop/web-0" event={"Type":"ContainerStarted"}`,
	`prober.go:107] "Probe failed" probeType="Readiness" pod="shop/api-1" containerName="api" probeResult="failure" output="HTTP probe failed with statuscode: 503"`,
	`kubelet_node_status.go:75] "Attempting to register node" node="%s"`,
	`reconciler_common.go:251] "operationExecutor.VerifyControllerAttachedVolume started" volumeName="kubernetes.io/projected/kube-api-access"`,
	`pod_workers.go:1301] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"billing\" with CrashLoopBackOff" pod="payments/billing-0"`,
	`kubelet.go:2544] "SyncLoop (probe)" probe="readiness" status="ready" pod="shop/web-1"`,
}

var containerdMessages = []string{
	`level=info msg="StartContainer for \"4f2a9c\" returns successfully"`,
	`level=info msg="ImageCreate event name:\"registry.k8s.io/pause:3.10\""`,
	`level=warning msg="cleanup warnings time=\"%s\" level=info msg=\"starting signal loop\" namespace=k8s.io"`,
	`level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:web-0,Namespace:shop,} returns sandbox id \"9c1e\""`,
	`level=error msg="ContainerStatus for \"77ab\" failed" error="rpc error: code = NotFound desc = an error occurred when try to find container"`,
}

// journalMessage is line seq of unit: klog's header for the kubelet, logrus's for
// containerd, and one seq=N token each so tests can count.
func journalMessage(unit string, seq int, t time.Time, node string) string {
	switch unit {
	case "kubelet":
		m := kubeletMessages[seq%len(kubeletMessages)]
		if strings.Contains(m, "%s") {
			m = fmt.Sprintf(m, node)
		}
		sev := "I"
		if strings.Contains(m, "Error") || strings.Contains(m, "failed") {
			sev = "E"
		}
		return fmt.Sprintf("%s%s %7d %s seq=%d", sev, t.UTC().Format("0102 15:04:05.000000"), journalPIDs[unit], m, seq)
	default:
		m := containerdMessages[seq%len(containerdMessages)]
		if strings.Contains(m, "%s") {
			m = fmt.Sprintf(m, t.UTC().Format(time.RFC3339))
		}
		return fmt.Sprintf("time=%q %s seq=%d", t.UTC().Format(time.RFC3339Nano), m, seq)
	}
}

// knows reports whether the journal has unit (journalctl --field _SYSTEMD_UNIT).
func (j *journal) knows(unit string) bool { _, ok := journalPIDs[unit]; return ok }

// run adds history at start (the last 2 minutes) and then lines as time goes by.
func (j *journal) run(ctx context.Context, period time.Duration) {
	if period <= 0 {
		return
	}
	start := j.now()
	j.mu.Lock()
	for i := 240; i > 0; i-- {
		t := start.Add(-time.Duration(i) * 500 * time.Millisecond)
		j.addLocked("kubelet", t)
		if i%4 == 0 {
			j.addLocked("containerd", t.Add(time.Millisecond))
		}
	}
	j.mu.Unlock()
	tick := time.NewTicker(period)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		j.add("kubelet", j.now())
		if n%4 == 0 {
			j.add("containerd", j.now())
		}
	}
}

// format writes the records of units that pass opts as journalctl short-precise does.
func (j *journal) format(w io.Writer, units []string, opts nlqOptions) error {
	var re *regexp.Regexp
	if opts.Pattern != "" {
		var err error
		if re, err = regexp.Compile(opts.Pattern); err != nil {
			return err
		}
	}
	// journalctl parses "2006-1-2 15:4:5" in the node's zone.
	inZone := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		w := t.Truncate(time.Second)
		z := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, j.zone)
		return &z
	}
	since, until := inZone(opts.SinceTime), inZone(opts.UntilTime)
	want := map[string]bool{}
	for _, u := range units {
		want[strings.TrimSuffix(u, ".service")] = true
	}
	j.mu.Lock()
	var picked []journalEntry
	for _, e := range j.entries {
		if !want[e.unit] {
			continue
		}
		// journalctl gets second-resolution --since/--until (dateLayout): both inclusive.
		if since != nil && e.t.Before(*since) {
			continue
		}
		if until != nil && e.t.After(*until) {
			continue
		}
		if re != nil && !re.MatchString(e.msg) {
			continue
		}
		picked = append(picked, e)
	}
	j.mu.Unlock()
	if opts.TailLines != nil && len(picked) > *opts.TailLines {
		picked = picked[len(picked)-*opts.TailLines:]
	}
	if len(picked) == 0 {
		_, err := io.WriteString(w, "-- No entries --\n")
		return err
	}
	var b strings.Builder
	for _, e := range picked {
		b.Reset()
		b.WriteString(e.t.UTC().Format(journalTimeLayout))
		fmt.Fprintf(&b, " %s %s[%d]: %s\n", j.node, e.unit, e.pid, e.msg)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// nlqOptions are nodeLogQuery's options.
type nlqOptions struct {
	SinceTime *time.Time
	UntilTime *time.Time
	TailLines *int
	Boot      *int
	Pattern   string
}

type nodeLogQuery struct {
	Services []string
	Files    []string
	nlqOptions
}

// newNodeLogQuery is the kubelet's, line for line.
func newNodeLogQuery(query url.Values) (*nodeLogQuery, field.ErrorList) {
	allErrs := field.ErrorList{}
	var nlq nodeLogQuery
	queries, ok := query["query"]
	for _, q := range queries {
		if strings.ContainsAny(q, `/\`) {
			nlq.Files = append(nlq.Files, q)
		} else if strings.TrimSpace(q) != "" {
			nlq.Services = append(nlq.Services, q)
		}
	}
	if ok && len(nlq.Files) == 0 && len(nlq.Services) == 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("query"), queries, "may not be empty"))
	}
	if v := query.Get("sinceTime"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("sinceTime"), v, "invalid time format"))
		} else {
			nlq.SinceTime = &t
		}
	}
	if v := query.Get("untilTime"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("untilTime"), v, "invalid time format"))
		} else {
			nlq.UntilTime = &t
		}
	}
	if v := query.Get("boot"); v != "" {
		if b, err := strconv.Atoi(v); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("boot"), v, err.Error()))
		} else {
			nlq.Boot = &b
		}
	}
	if v := query.Get("tailLines"); v != "" {
		if n, err := strconv.Atoi(v); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("tailLines"), v, err.Error()))
		} else {
			nlq.TailLines = &n
		}
	}
	nlq.Pattern = query.Get("pattern")
	if len(allErrs) > 0 {
		return nil, allErrs
	}
	if reflect.DeepEqual(nlq, nodeLogQuery{}) {
		return nil, allErrs
	}
	return &nlq, allErrs
}

func (n *nodeLogQuery) validate(logDir string) field.ErrorList {
	allErrs := field.ErrorList{}
	for _, s := range n.Services {
		if len(s) > nlqMaxServiceLength {
			allErrs = append(allErrs, field.Invalid(field.NewPath("query"), s, fmt.Sprintf("length must be less than %d", nlqMaxServiceLength)))
		} else if reServiceNameUnsafe.MatchString(s) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("query"), s, "input contains unsupported characters"))
		}
	}
	if len(n.Services) > nlqMaxServices {
		allErrs = append(allErrs, field.TooMany(field.NewPath("query"), len(n.Services), nlqMaxServices))
	}
	switch {
	case len(n.Files) == 0 && len(n.Services) == 0:
		allErrs = append(allErrs, field.Required(field.NewPath("query"), "cannot be empty with options"))
	case len(n.Files) > 0 && len(n.Services) > 0:
		allErrs = append(allErrs, field.Invalid(field.NewPath("query"), fmt.Sprintf("%v, %v", n.Files, n.Services), "cannot specify a file and service"))
	case len(n.Files) > 1:
		allErrs = append(allErrs, field.Invalid(field.NewPath("query"), n.Files, "cannot specify more than one file"))
	case len(n.Files) == 1 && n.nlqOptions != (nlqOptions{}):
		allErrs = append(allErrs, field.Invalid(field.NewPath("query"), n.Files, "cannot specify file with options"))
	case len(n.Files) == 1:
		if root, err := os.OpenRoot(logDir); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("query"), n.Files, err.Error()))
		} else {
			defer func() { _ = root.Close() }()
			if _, err := root.Stat(n.Files[0]); err != nil {
				allErrs = append(allErrs, field.Invalid(field.NewPath("query"), n.Files, err.Error()))
			}
		}
	}
	if n.SinceTime != nil && n.UntilTime != nil && n.SinceTime.After(*n.UntilTime) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("untilTime"), n.UntilTime, "must be after `sinceTime`"))
	}
	if n.Boot != nil && *n.Boot > 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("boot"), *n.Boot, "must be less than 1"))
	}
	if n.TailLines != nil {
		if err := utilvalidation.IsInRange(*n.TailLines, 0, nlqMaxTailLines); err != nil {
			allErrs = append(allErrs, field.Invalid(field.NewPath("tailLines"), *n.TailLines, err[0]))
		}
	}
	if _, err := syntax.Parse(n.Pattern, syntax.Perl); err != nil {
		allErrs = append(allErrs, field.Invalid(field.NewPath("pattern"), n.Pattern, err.Error()))
	}
	return allErrs
}

// nodeLogs is the /logs/ handler.
type nodeLogs struct {
	cfg     nodeLogConfig
	journal *journal
	log     *slog.Logger
}

// handler is kubelet.Run's logServer, or the disabled endpoint of
// InstallSystemLogHandler(false, ...).
func (n *nodeLogs) handler() http.Handler {
	if !n.cfg.handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "logs endpoint is disabled.", http.StatusMethodNotAllowed)
		})
	}
	file := http.FileServer(http.Dir(n.cfg.logDir))
	if !(n.cfg.gate && n.cfg.query) {
		return n.logged(http.StripPrefix("/logs/", file))
	}
	return n.logged(http.StripPrefix("/logs/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		nlq, errs := newNodeLogQuery(req.URL.Query())
		if len(errs) > 0 {
			http.Error(w, errs.ToAggregate().Error(), http.StatusBadRequest)
			return
		} else if nlq != nil {
			if req.URL.Path != "/" && req.URL.Path != "" {
				http.Error(w, "path not allowed in query mode", http.StatusNotAcceptable)
				return
			}
			if errs := nlq.validate(n.cfg.logDir); len(errs) > 0 {
				http.Error(w, errs.ToAggregate().Error(), http.StatusNotAcceptable)
				return
			}
			if len(nlq.Services) > 0 {
				n.serveJournal(w, req, nlq)
				return
			}
			if len(nlq.Files) == 1 {
				req.URL.Path = filepath.ToSlash(nlq.Files[0])
			}
		}
		file.ServeHTTP(w, req)
	})))
}

func (n *nodeLogs) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.log.Info("node log request", "path", r.URL.Path, "query", r.URL.RawQuery)
		h.ServeHTTP(w, r)
	})
}

// serveJournal is journalServer.ServeHTTP with nodeLogQuery.Copy: the journal's
// units first, then the services that log to files (and the kubelet's complaint
// when options were given for those).
func (n *nodeLogs) serveJournal(w http.ResponseWriter, req *http.Request, nlq *nodeLogQuery) {
	var out io.Writer = w
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	if req.Header.Get("Accept-Encoding") == "gzip" {
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
		defer gz.Close()
		out = gz
	}
	var native, files []string
	for _, s := range nlq.Services {
		if n.journal.knows(strings.TrimSuffix(s, ".service")) {
			native = append(native, s)
		} else {
			files = append(files, s)
		}
	}
	if len(native) > 0 {
		if nlq.Boot != nil && *nlq.Boot < 0 {
			// One boot in this journal: journalctl --boot -1 fails (stderr goes to the response).
			fmt.Fprintf(out, "Data from the specified boot (%d) is not available: No such boot ID in journal\n", *nlq.Boot)
		} else if err := n.journal.format(out, native, nlq.nlqOptions); err != nil {
			return
		}
	}
	if len(files) > 0 && nlq.nlqOptions != (nlqOptions{}) {
		fmt.Fprintf(out, "\noptions present and query resolved to log files for %v\ntry without specifying options\n", files)
		return
	}
	for _, s := range files {
		n.copyFileLog(out, s)
	}
}

// copyFileLog is heuristicsCopyFileLogs: /var/log/S, S.log, S/S.log.
func (n *nodeLogs) copyFileLog(w io.Writer, service string) {
	var err error
	for _, name := range []string{service, service + ".log", service + "/" + service + ".log"} {
		err = func() error {
			f, err := os.OpenInRoot(n.cfg.logDir, name)
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			if fi.IsDir() {
				return os.ErrNotExist
			}
			_, err = io.Copy(w, f)
			return err
		}()
		if !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(w, "\nlog not found for %s\n", service)
	} else if err != nil {
		fmt.Fprintf(w, "\nerror getting log for %s: %v\n", service, err)
	}
}

// prepareLogDir makes the stand-in's /var/log: the directories a node has and one
// service that logs to a file (kube-proxy.log).
func prepareLogDir(dir, node string, now time.Time) error {
	for _, d := range []string{"containers", "pods", "journal"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("kubelet: log dir: %w", err)
		}
	}
	var b strings.Builder
	for i := 1; i <= 20; i++ {
		t := now.Add(-time.Duration(21-i) * time.Second).UTC()
		fmt.Fprintf(&b, "I%s       1 proxier.go:%d] \"Syncing iptables rules\" node=%q seq=%d\n", t.Format("0102 15:04:05.000000"), 800+i, node, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "kube-proxy.log"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("kubelet: log dir: %w", err)
	}
	return nil
}

// serveJournalWrite is a test hook: POST /testbed/nodelog/write?unit=U&n=N appends N
// lines of unit U (default kubelet) now, all in the same second.
func (n *nodeLogs) serveJournalWrite(w http.ResponseWriter, r *http.Request) {
	unit := r.URL.Query().Get("unit")
	if unit == "" {
		unit = "kubelet"
	}
	if !n.journal.knows(unit) {
		http.Error(w, "no such unit", http.StatusNotFound)
		return
	}
	cnt, _ := strconv.Atoi(r.URL.Query().Get("n"))
	n.journal.mu.Lock()
	now := n.journal.now()
	for i := 0; i < cnt; i++ {
		n.journal.addLocked(unit, now)
	}
	next := n.journal.seq[unit] + 1
	n.journal.mu.Unlock()
	fmt.Fprintf(w, "wrote %d, next seq %d\n", cnt, next)
}
