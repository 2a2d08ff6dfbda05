// Package workslot lets a build's worker hand its slot to other work while
// it waits for something another goroutine is computing for it: a file
// another archive's writer is compressing, say. A build bounds its
// workers to the machine's cores; a worker blocked on a shared result
// holds a slot and leaves a core idle while functions wait to start. The
// worker pool puts a release function in the context (With); code that
// waits on shared work calls Wait instead of receiving from the channel.
package workslot
