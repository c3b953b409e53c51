// Package nodemanager is Spindle's NodeManager daemon: it registers its
// resources with the ResourceManager and heartbeats container statuses,
// launches containers as OS processes (only with a container token the RM
// signed), enforces their memory through containermonitor, stops them on
// request and removes their working dirs after a delay.
package nodemanager
