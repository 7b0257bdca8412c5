package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// containerKind says where a container sits in the pod spec and how it runs.
type containerKind int

const (
	kindMain      containerKind = iota // spec.containers
	kindInit                           // spec.initContainers: ran to completion before the others
	kindSidecar                        // spec.initContainers with restartPolicy Always: runs
	kindEphemeral                      // spec.ephemeralContainers: runs once added
)

var kindNames = [...]string{"main", "init", "sidecar", "ephemeral"}

// String returns the lowercase name of k.
func (k containerKind) String() string { return kindNames[k] }

// entry is one record of a container log, as the runtime writes it to its CRI log
// file (`<RFC3339Nano> stdout P|F <content>`): a line, or a piece of one. The runtime
// splits lines longer than testbedspec.CRIRecordSize into partial records (tag P,
// stamped when each piece was written) ended by a full one (tag F).
type entry struct {
	ts      int64 // Unix nanoseconds
	seq     int64 // 0 for lines read from a file
	text    string
	level   string
	partial bool // tag P: the line goes on in the next record
}

// instance is one run of a container: a container ID and its log. A restart makes a new
// instance; the kubelet keeps the current one and the previous one, as a real one does.
type instance struct {
	id         string
	startedAt  time.Time
	finishedAt time.Time
	exitCode   int32
	reason     string

	base  int64   // absolute index of lines[0]; older lines were rotated away
	lines []entry // never modified once appended, so readers may keep a slice of it
	// fileStart is the absolute index of the first record of the current log file.
	// The kubelet's log manager renamed the records before it to rotated files
	// (container.log.<timestamp>, older ones compressed): a request opened from now on
	// reads only the current file, while a follower that opened earlier goes on
	// through the rotation (ReadLogs reopens the file when it is re-created).
	fileStart int64

	finished bool          // no line will be added
	released chan struct{} // closed once followers may end: the status saying so is out

	genStart time.Time // rate lines are due at genStart + k/rate
	genCount int64     // rate lines produced so far

	fileOff     int64  // file= logs: bytes consumed
	filePartial []byte // file= logs: an incomplete last line
}

func newInstance(started time.Time) *instance {
	return &instance{id: randomHex(32), startedAt: started, genStart: started, released: make(chan struct{})}
}

// count returns how many lines the instance has produced, rotated ones included.
func (in *instance) count() int64 { return in.base + int64(len(in.lines)) }

// ended reports whether the instance is finished and its followers may stop.
func (in *instance) ended() bool {
	if !in.finished {
		return false
	}
	select {
	case <-in.released:
		return true
	default:
		return false
	}
}

func (in *instance) release() {
	select {
	case <-in.released:
	default:
		close(in.released)
	}
}

// container is one container of a pod on this node, with its scripted log.
type container struct {
	pod   *podState
	name  string
	kind  containerKind
	image string
	spec  testbedspec.LogSpec

	mu       sync.Mutex
	cur      *instance // nil while waiting
	prev     *instance
	nextSeq  int64 // seq of the next generated line
	restarts int32
	waiting  string        // the waiting reason while cur is nil
	changed  chan struct{} // closed and replaced whenever lines or state change
	started  bool          // its generator goroutine runs
	loki     *lokiLabels   // made on first push
	// crashUntil is when the next run starts while the container is in
	// CrashLoopBackOff (cur is nil, prev the dead run); crashMsg is the kubelet's
	// waiting message. killed stops any further run.
	crashUntil time.Time
	crashMsg   string
	killed     bool
	rotations  int
	// breakCh is closed (and replaced) by the test hook that breaks the container's
	// open log requests; holdUntil refuses new ones until then.
	breakCh   chan struct{}
	holdUntil time.Time
}

// broadcastLocked wakes every follower. c.mu must be held.
func (c *container) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *container) broadcast() {
	c.mu.Lock()
	c.broadcastLocked()
	c.mu.Unlock()
}

// appendLocked adds a line to the current instance, rotating old lines away past the
// container's limit as a real kubelet's log rotation would. c.mu must be held.
func (c *container) appendLocked(in *instance, e entry) {
	in.lines = append(in.lines, e)
	if max := c.maxLines(); max > 0 && len(in.lines) > max {
		drop := len(in.lines) - max*3/4
		in.lines = append([]entry(nil), in.lines[drop:]...)
		in.base += int64(drop)
	}
}

// maxLines is how many records a run of c keeps before the oldest quarter is rotated
// away: the store's limit, or the scripted history when that is longer, so that a
// pod made with a big history (the drain benchmark's 1,000,000 lines) serves it
// whole while a chatty container stays bounded by the store's limit. A record costs
// about 56 bytes and its text (117 bytes on average for generated lines).
func (c *container) maxLines() int {
	max := c.pod.store.maxLines
	if max > 0 && c.spec.History > max {
		// Room for the history and a quarter more, so that the first lines written
		// after it do not rotate it away at once.
		return c.spec.History + c.spec.History/4
	}
	return max
}

// generateLocked appends the next generated line with timestamp ts, as the runtime
// writes it: one record, or partial records gap apart when it is longer than a
// record. It returns the whole line. c.mu must be held.
func (c *container) generateLocked(in *instance, ts time.Time, gap time.Duration) entry {
	seq := c.nextSeq
	c.nextSeq++
	text, level := testbedspec.LineFor(c.pod.name, c.name, seq, c.spec)
	e := entry{ts: ts.UnixNano(), seq: seq, text: text, level: level}
	n := (len(text) + testbedspec.CRIRecordSize - 1) / testbedspec.CRIRecordSize
	if n <= 1 {
		c.appendLocked(in, e)
		return e
	}
	step := gap / time.Duration(n)
	for i := 0; i < n; i++ {
		r := e
		r.text = text[i*testbedspec.CRIRecordSize : min(len(text), (i+1)*testbedspec.CRIRecordSize)]
		r.ts = ts.Add(time.Duration(i) * step).UnixNano()
		r.partial = i < n-1
		c.appendLocked(in, r)
	}
	return e
}

// rotateLocked rotates the current log file once it holds the spec's number of
// records, as the kubelet's container log manager does by size. c.mu must be held.
func (c *container) rotateLocked(in *instance) bool {
	if c.spec.Rotate <= 0 || in.count()-in.fileStart < int64(c.spec.Rotate) {
		return false
	}
	// Never between the partial records of one line: the runtime writes a line's
	// records in one go, before the log manager's next look.
	if n := len(in.lines); n > 0 && in.lines[n-1].partial {
		return false
	}
	in.fileStart = in.count()
	c.rotations++
	return true
}

// historyLocked fills in with the spec's history, ending at end. c.mu must be held.
func (c *container) historyLocked(in *instance, end time.Time) {
	n := c.spec.History
	if c.spec.RestartAfter > 0 && n > c.spec.RestartAfter {
		n = c.spec.RestartAfter
	}
	// One allocation for a big history rather than the doubling of append (a
	// 1,000,000-line history would otherwise copy its records some twenty times).
	if len(in.lines) == 0 {
		in.lines = make([]entry, 0, n+n/8)
	}
	for i := 0; i < n; i++ {
		ts := end.Add(-time.Duration(n-1-i) * c.spec.Step)
		c.generateLocked(in, ts, c.spec.Step/2)
	}
}

const (
	maxLinesPerProduce = 100000
	filePollInterval   = 200 * time.Millisecond
	minGenInterval     = 10 * time.Millisecond
	maxGenInterval     = time.Second
)

// produce appends every line due by now to the running instance, restarting the
// container when its restart-after count is reached. It returns when the next line is
// due, or the zero time when nothing more will come.
func (c *container) produce(now time.Time) time.Time {
	for {
		c.mu.Lock()
		in := c.cur
		if in == nil && !c.crashUntil.IsZero() && !c.killed {
			// CrashLoopBackOff: the next run starts when the back-off ends.
			if now.Before(c.crashUntil) {
				until := c.crashUntil
				c.mu.Unlock()
				return until
			}
			c.cur = newInstance(now)
			c.restarts++
			c.crashUntil, c.crashMsg = time.Time{}, ""
			id := c.cur.id
			c.broadcastLocked()
			c.mu.Unlock()
			c.pod.store.log.Info("container started after back-off", "pod", c.pod.key(), "container", c.name,
				"restartCount", c.restarts, "id", id)
			c.pod.publish()
			continue
		}
		if in == nil || in.finished {
			c.mu.Unlock()
			return time.Time{}
		}
		if c.spec.File != "" {
			c.readFileLocked(in, now)
			c.broadcastLocked()
			c.mu.Unlock()
			return now.Add(filePollInterval)
		}
		var (
			fresh   []entry
			restart bool
			last    = in.startedAt
		)
		for len(fresh) < maxLinesPerProduce {
			if c.spec.RestartAfter > 0 && in.count() >= int64(c.spec.RestartAfter) {
				restart = true
				break
			}
			if c.spec.Rate <= 0 {
				break
			}
			due := c.dueLocked(in, in.genCount+1)
			if due.After(now) {
				break
			}
			in.genCount++
			gap := time.Duration(0.9 * float64(time.Second) / c.spec.Rate) // within the interval to the next line
			fresh = append(fresh, c.generateLocked(in, due, gap))
			last = due
		}
		rotated := c.rotateLocked(in)
		if len(in.lines) > 0 {
			last = time.Unix(0, in.lines[len(in.lines)-1].ts)
		}
		var old *instance
		if restart {
			old = in
			old.finished = true
			old.finishedAt = last
			old.exitCode = 1
			old.reason = "Error"
			c.prev = old
			if d := c.spec.Backoff; d > 0 {
				// As a real kubelet: the dead container's ID stays in the status,
				// waiting in CrashLoopBackOff with the dead run as lastState.
				c.cur = nil
				c.crashUntil = now.Add(d)
				c.crashMsg = fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
					d, c.name, c.pod.name, c.pod.ns, c.pod.uid)
			} else {
				c.cur = newInstance(last)
				c.restarts++
			}
		}
		c.broadcastLocked()
		next := time.Time{}
		if c.spec.Rate > 0 && !restart {
			next = c.dueLocked(in, in.genCount+1)
		}
		rotations, fileStart := c.rotations, in.fileStart
		newID := ""
		if c.cur != nil {
			newID = c.cur.id
		}
		c.mu.Unlock()
		c.pod.store.pushLoki(c, fresh)
		if rotated {
			c.pod.store.log.Info("log rotated", "pod", c.pod.key(), "container", c.name, "rotations", rotations,
				"fileStart", fileStart)
		}
		if !restart {
			return next
		}
		c.pod.store.log.Info("container restarted", "pod", c.pod.key(), "container", c.name,
			"restartCount", c.restarts, "oldID", old.id, "newID", newID, "lines", old.count(),
			"backoff", c.spec.Backoff)
		// The old container's followers end only once the status that shows the new
		// container is published, so a client that reconnects sees the restart.
		c.pod.publish()
		old.release()
		c.broadcast()
	}
}

// dueLocked returns when rate line k of in is due.
func (c *container) dueLocked(in *instance, k int64) time.Time {
	return in.genStart.Add(time.Duration(float64(k) / c.spec.Rate * float64(time.Second)))
}

// readFileLocked appends the complete lines the file gained since the last read, each
// stamped now. c.mu must be held.
func (c *container) readFileLocked(in *instance, now time.Time) {
	f, err := os.Open(c.spec.File)
	if err != nil {
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() < in.fileOff {
		in.fileOff, in.filePartial = 0, nil // truncated or replaced: start over
	}
	if _, err := f.Seek(in.fileOff, io.SeekStart); err != nil {
		return
	}
	buf, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil || len(buf) == 0 {
		return
	}
	in.fileOff += int64(len(buf))
	data := append(in.filePartial, buf...)
	ts := now.UnixNano()
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		c.appendLocked(in, entry{ts: ts, text: string(data[:i]), level: "info"})
		data = data[i+1:]
	}
	in.filePartial = append([]byte(nil), data...)
}

// run produces lines on time until stop is closed or nothing more will come.
func (c *container) run(stop <-chan struct{}) {
	for {
		now := c.pod.store.now()
		next := c.produce(now)
		if next.IsZero() {
			// Nothing is due any more, but the container runs: wait for the pod to go.
			if c.spec.File == "" {
				return
			}
		}
		d := next.Sub(c.pod.store.now())
		if d < minGenInterval {
			d = minGenInterval
		}
		if d > maxGenInterval {
			d = maxGenInterval
		}
		t := time.NewTimer(d)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// kill terminates the container for good (its pod is going away): followers end.
func (c *container) kill(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.killed = true
	c.crashUntil = time.Time{}
	if in := c.cur; in != nil && !in.finished {
		in.finished = true
		in.finishedAt = now
		in.exitCode = 0
		in.reason = "Completed"
	}
	for _, in := range []*instance{c.cur, c.prev} {
		if in != nil {
			in.release()
		}
	}
	c.broadcastLocked()
}

// snapshot is a consistent copy of what a container status needs.
type snapshot struct {
	cur, prev *instance
	running   bool
	restarts  int32
	waiting   string
	crashMsg  string // in CrashLoopBackOff: the waiting message
}

func (c *container) snapshot() snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := snapshot{restarts: c.restarts, waiting: c.waiting, crashMsg: c.crashMsg}
	if c.cur != nil {
		cp := *c.cur
		s.cur = &cp
		s.running = !c.cur.finished
	}
	if c.prev != nil {
		cp := *c.prev
		s.prev = &cp
	}
	return s
}

// podState is one pod on this node.
type podState struct {
	store     *Store
	ns, name  string
	uid       types.UID
	app       string
	loki      bool
	ip        string
	ipFixed   bool // the IP came from the pod-ip annotation and can be dialed
	startTime time.Time
	succeeded bool

	containers []*container
	byName     map[string]*container

	pubMu   sync.Mutex // serializes status publishing; the status is built under it
	stop    chan struct{}
	stopped bool // guarded by store.mu
}

func (p *podState) key() string { return p.ns + "/" + p.name }

// addr returns the pod's IP and whether it can be dialed (it came from the annotation).
func (p *podState) addr() (ip string, dialable bool) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	return p.ip, p.ipFixed
}

// publish sends the pod's current status to whoever listens (the API server).
func (p *podState) publish() {
	if p.store.publish == nil {
		return
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	p.store.publish(p)
}

// Store holds every pod on the node and their logs.
type Store struct {
	now      func() time.Time
	log      *slog.Logger
	maxLines int
	ipam     *ipam
	// publish pushes a pod's status; nil in tests that run without an API server.
	publish func(*podState)
	// loki receives generated lines of pods with Loki push enabled; may be nil.
	loki *lokiPusher
	// manual stops the store from starting generator goroutines (tests drive produce).
	manual bool

	mu   sync.Mutex
	pods map[string]*podState
}

// NewStore returns an empty store.
func NewStore(log *slog.Logger, ipam *ipam) *Store {
	return &Store{now: time.Now, log: log, maxLines: 500000, ipam: ipam, pods: map[string]*podState{}}
}

func (s *Store) pod(ns, name string) *podState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pods[ns+"/"+name]
}

// container returns a pod's container by name, nil when there is none.
func (s *Store) container(p *podState, name string) *container {
	s.mu.Lock()
	defer s.mu.Unlock()
	return p.byName[name]
}

// containerList returns a copy of p's containers in spec order (init, main, ephemeral).
func (s *Store) containerList(p *podState) []*container {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*container(nil), p.containers...)
}

func (s *Store) pushLoki(c *container, lines []entry) {
	if s.loki == nil || !c.pod.loki || len(lines) == 0 {
		return
	}
	s.loki.add(c, lines)
}

// Sync brings the store in line with a pod from the API server. It reports whether
// the pod is new to the store (its status must be published) and whether it is being
// deleted (the caller finishes the deletion).
func (s *Store) Sync(pod *v1.Pod) (p *podState, created bool) {
	key := pod.Namespace + "/" + pod.Name
	s.mu.Lock()
	p = s.pods[key]
	if p != nil && p.uid != pod.UID {
		s.removeLocked(p)
		p = nil
	}
	if p == nil {
		p = s.newPod(pod)
		s.pods[key] = p
		created = true
	}
	var fresh []*container
	ipChanged := false
	if !created && !p.stopped {
		fresh = s.addEphemeral(p, pod)
		// The pod IP is the one annotation that takes effect on a running pod.
		if ip := pod.Annotations[testbedspec.AnnotationPodIP]; ip != "" && ip != p.ip {
			if !p.ipFixed && s.ipam != nil {
				s.ipam.release(p.ip)
			}
			p.ip, p.ipFixed, ipChanged = ip, true, true
		}
	}
	s.mu.Unlock()
	if ipChanged {
		s.log.Info("pod IP changed", "pod", key, "ip", pod.Annotations[testbedspec.AnnotationPodIP])
	}
	if created {
		s.log.Info("pod started", "pod", key, "uid", pod.UID, "ip", p.ip, "containers", len(p.containers),
			"phase", map[bool]string{true: "Succeeded", false: "Running"}[p.succeeded])
		for _, c := range p.containers {
			s.startContainer(c)
		}
	}
	for _, c := range fresh {
		s.log.Info("ephemeral container started", "pod", key, "container", c.name)
		s.startContainer(c)
	}
	if len(fresh) > 0 || ipChanged {
		p.publish()
	}
	return p, created
}

// Kill stops a pod's containers and ends its log streams; the pod stays known so its
// final status can be published.
func (s *Store) Kill(p *podState) {
	s.mu.Lock()
	if p.stopped {
		s.mu.Unlock()
		return
	}
	p.stopped = true
	close(p.stop)
	s.mu.Unlock()
	now := s.now()
	for _, c := range s.containerList(p) {
		c.kill(now)
	}
	s.log.Info("pod stopped", "pod", p.key())
}

// Remove forgets a pod: its generators stop and its follow streams end.
func (s *Store) Remove(ns, name string, uid types.UID) {
	s.mu.Lock()
	p := s.pods[ns+"/"+name]
	if p == nil || (uid != "" && p.uid != uid) {
		s.mu.Unlock()
		return
	}
	s.removeLocked(p)
	s.mu.Unlock()
	s.log.Info("pod removed", "pod", p.key())
}

func (s *Store) removeLocked(p *podState) {
	delete(s.pods, p.key())
	if !p.stopped {
		p.stopped = true
		close(p.stop)
	}
	now := s.now()
	for _, c := range p.containers {
		c.kill(now)
	}
	if !p.ipFixed && s.ipam != nil {
		s.ipam.release(p.ip)
	}
}

func (s *Store) newPod(pod *v1.Pod) *podState {
	now := s.now()
	p := &podState{
		store:     s,
		ns:        pod.Namespace,
		name:      pod.Name,
		uid:       pod.UID,
		app:       appOf(pod),
		loki:      pod.Annotations[testbedspec.AnnotationLoki] == "true",
		startTime: now.Add(-3 * time.Second).Truncate(time.Second),
		succeeded: pod.Annotations[testbedspec.AnnotationPhase] == string(v1.PodSucceeded),
		byName:    map[string]*container{},
		stop:      make(chan struct{}),
	}
	if ip := pod.Annotations[testbedspec.AnnotationPodIP]; ip != "" {
		p.ip, p.ipFixed = ip, true
	} else if s.ipam != nil {
		p.ip = s.ipam.allocate(string(pod.UID), pod.Status.PodIP)
	}
	for _, ic := range pod.Spec.InitContainers {
		kind := kindInit
		if ic.RestartPolicy != nil && *ic.RestartPolicy == v1.ContainerRestartPolicyAlways {
			kind = kindSidecar
		}
		s.addContainer(p, pod, ic.Name, ic.Image, kind, now)
	}
	for _, mc := range pod.Spec.Containers {
		s.addContainer(p, pod, mc.Name, mc.Image, kindMain, now)
	}
	for _, ec := range pod.Spec.EphemeralContainers {
		s.addContainer(p, pod, ec.Name, ec.Image, kindEphemeral, now)
	}
	return p
}

func (s *Store) addEphemeral(p *podState, pod *v1.Pod) []*container {
	var fresh []*container
	now := s.now()
	for _, ec := range pod.Spec.EphemeralContainers {
		if p.byName[ec.Name] == nil {
			fresh = append(fresh, s.addContainer(p, pod, ec.Name, ec.Image, kindEphemeral, now))
		}
	}
	return fresh
}

// addContainer creates a container in its initial state: running with its history,
// finished (init containers, finished pods) or waiting.
func (s *Store) addContainer(p *podState, pod *v1.Pod, name, image string, kind containerKind, now time.Time) *container {
	c := &container{pod: p, name: name, kind: kind, image: image, nextSeq: 1, changed: make(chan struct{}), breakCh: make(chan struct{})}
	c.spec = testbedspec.DefaultLogSpec()
	if kind == kindInit {
		c.spec.History = 20
	}
	if v, ok := pod.Annotations[testbedspec.LogsAnnotation(name)]; ok {
		spec, err := testbedspec.ParseLogSpec(v)
		if err != nil {
			s.log.Warn("bad logs annotation; using defaults", "pod", p.key(), "container", name, "err", err)
		} else {
			c.spec = spec
		}
	}
	p.containers = append(p.containers, c)
	p.byName[name] = c

	if c.spec.Waiting != "" && kind != kindInit {
		c.waiting = c.spec.Waiting
		return c
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case kind == kindInit:
		// Ran and completed before the main containers started.
		in := newInstance(p.startTime.Add(time.Second))
		c.historyLocked(in, p.startTime.Add(2*time.Second))
		in.finished, in.finishedAt, in.reason = true, p.startTime.Add(2*time.Second), "Completed"
		in.release()
		c.cur = in
	case p.succeeded && kind != kindEphemeral:
		// A finished Job pod: the log is all history, the container has exited.
		in := newInstance(p.startTime.Add(2 * time.Second))
		end := now.Add(-time.Second)
		c.historyLocked(in, end)
		in.finished, in.finishedAt, in.reason = true, end, "Completed"
		in.release()
		c.cur = in
	default:
		in := newInstance(now)
		c.cur = in
		if c.spec.File != "" {
			c.readFileLocked(in, now)
		} else {
			c.historyLocked(in, now)
		}
	}
	return c
}

// startContainer pushes a new container's history to Loki and starts its generator.
func (s *Store) startContainer(c *container) {
	c.mu.Lock()
	var hist []entry
	running := c.cur != nil && !c.cur.finished
	if running {
		hist = c.cur.lines
	}
	c.mu.Unlock()
	if running {
		s.pushLoki(c, hist)
	}
	if !running || s.manual {
		return
	}
	if c.spec.Rate <= 0 && c.spec.File == "" && c.spec.RestartAfter == 0 {
		return
	}
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	go c.run(c.pod.stop)
}

// Produce runs every container's generator once at now (tests drive time with it).
func (s *Store) Produce(now time.Time) {
	s.mu.Lock()
	var cs []*container
	for _, p := range s.pods {
		cs = append(cs, p.containers...)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.produce(now)
	}
}

func appOf(pod *v1.Pod) string {
	if a := pod.Labels["app"]; a != "" {
		return a
	}
	if a := pod.Labels["app.kubernetes.io/name"]; a != "" {
		return a
	}
	return pod.Name
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
