package bundler

import "time"

// EventKind says what an Event reports.
type EventKind int

// Kinds of events.
const (
	// EventStart: a function's build began (it holds a worker).
	EventStart EventKind = iota
	// EventStep: a function's build entered a long step (Step names it:
	// a Go compile, the one-time download of the v2 bootstrap).
	EventStep
	// EventDone: a function's build ended, with Result or Err.
	EventDone
)

// Event is one step of a build, as Options.OnEvent receives it: what a
// progress display shows (what is in flight, what finished, how long it
// took). Events of one function arrive in order; events of different
// functions interleave.
type Event struct {
	Kind     EventKind
	Function string
	Runtime  string
	// Step describes an EventStep ("go build for linux/amd64").
	Step string
	// Result is set for a successful EventDone, Err for a failed one.
	Result *FunctionResult
	Err    *FunctionError
	// Elapsed is the function's build time so far (EventStep) or in all
	// (EventDone).
	Elapsed time.Duration
	// Done and Total count the finished functions (EventDone) and all of
	// them.
	Done, Total int
}

// emit sends e to Options.OnEvent, when set.
func (b *builder) emit(e Event) {
	if b.opts.OnEvent != nil {
		b.opts.OnEvent(e)
	}
}
