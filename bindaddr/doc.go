// Package bindaddr applies YARN's address rules for a daemon's services:
// each listens on the host of its *.address (yarn.resourcemanager.address,
// yarn.nodemanager.address, …), or on *.bind-host when that is set, and
// tells others the *.address host with the port it got; a wildcard host
// (0.0.0.0, ::, empty) is advertised as the machine's host name, as YARN
// does. Before a daemon advertises an address, Own checks that it names
// this machine, so that a daemon never hands out an address that leads
// elsewhere.
package bindaddr
