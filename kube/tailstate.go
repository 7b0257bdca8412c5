package kube

import "time"

// breakEvent is what the reconnect decision knows when a read of a container's log
// ended in a way that may have cut it short (not a clean end of a one-shot read, not
// a permanent failure): the stream as it was, and the pod as the API server shows
// it now.
type breakEvent struct {
	// follow is --follow; without it the pod is not looked up again (looked is
	// false) and the same read is retried.
	follow bool
	mode   readMode
	// The container being read and whether a line time was seen to resume from.
	containerID string
	restarts    int32
	resumable   bool
	// The read: its error (nil: the server closed it) and how it went.
	readErr  error
	lines    int
	duration time.Duration
	sawEOF   bool
	// The pod looked up again: lookupErr, or the container's state st.
	looked    bool
	lookupErr error
	st        containerState
}

// breakAction is what the stream does next.
type breakAction int

const (
	// breakFail: the pod cannot be looked up (a permanent error): fail with it.
	breakFail breakAction = iota
	// breakFinish: the pod or the container is gone: finish.
	breakFinish
	// breakPrevious: the container restarted once, and a line time is known: read
	// the old container's rest from its previous log.
	breakPrevious
	// breakNewContainer: restarted (more than once, or nothing to resume): switch to
	// the new container.
	breakNewContainer
	// breakDrain: the container finished: one last read without follow.
	breakDrain
	// breakStraightBack: the server closed a healthy stream: reconnect at once.
	breakStraightBack
	// breakBackoff: reconnect to the same container after a backoff.
	breakBackoff
)

var breakActionNames = [...]string{"fail", "finish", "previous", "new container", "drain", "straight back", "backoff"}

func (a breakAction) String() string { return breakActionNames[a] }

// healthyAfter is how long a stream must have stayed open, without a line, to count
// as healthy (its attempts start again from the first).
const healthyAfter = 10 * time.Second

// healthy reports whether the read that ended counts as a working stream.
func (ev *breakEvent) healthy() bool { return ev.lines > 0 || ev.duration > healthyAfter }

// nextOnBreak decides, without any I/O, what a pod-log stream does after a read
// that may have been cut short (see breakEvent). runner.run carries it out.
func nextOnBreak(ev breakEvent) breakAction {
	readErr := ev.readErr
	if ev.follow && ev.looked {
		switch st := ev.st; {
		case ev.lookupErr != nil && IsPermanent(ev.lookupErr):
			return breakFail
		case ev.lookupErr != nil:
			// The API server itself is unreachable: retry the same container, and
			// never straight back.
			if readErr == nil {
				readErr = ev.lookupErr
			}
		case st.PodDeleted || st.ContainerGone:
			return breakFinish
		case st.ID != "" && st.ID != ev.containerID:
			// Restarted. The old container's rest is in its "previous" log.
			if ev.resumable && st.Restarts == ev.restarts+1 {
				return breakPrevious
			}
			return breakNewContainer
		case !st.Running && (st.Terminated != nil || st.PodFinished) && ev.mode == readFollow:
			// It finished: one last read without follow picks up whatever the break
			// cut off; the resume bookkeeping makes it exact.
			return breakDrain
		}
	}
	// Same container: resume exactly where the stream stopped.
	if readErr == nil && ev.sawEOF && ev.healthy() {
		return breakStraightBack
	}
	return breakBackoff
}
