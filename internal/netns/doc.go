// Package netns makes test hosts out of Linux network namespaces: N hosts
// joined by a bridge, each with its own address, in which tests (and
// spindle chaos) run daemons, and whose network they break.
//
// A Network holds the hosts. Host.Command runs a process in a host
// (`ip netns exec`); Host.Run runs a function on an OS thread switched into
// the host's namespace, so that an in-process server (kfake, the mini HDFS)
// creates its listeners there: a socket keeps the namespace it was made in,
// whichever goroutine serves it later. Connections such a server dials from
// other goroutines leave from the test's own namespace, so daemons that
// dial (RM, NM) run as processes.
//
// Faults: Cut drops a host's traffic with every other host, or with some
// (nftables rules in the host: both directions, inbound only or outbound
// only); LinkDown takes its link down; Loss drops a share of its packets;
// Delay holds every packet it sends for a while (an NFQUEUE the harness
// serves itself, since kernels without sch_netem are common in
// containers); Heal undoes them all. Crash kills every process in the host
// at once, its containers included, and runs the hooks in-process servers
// registered.
//
// It needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2's ip, nft and
// iptables; New fails the test with a message saying which is missing.
// Each Network takes a free slot (a lock file under /run/spindle-netns),
// which gives its names (spindle-<slot>-h<i>, sp<slot>-…) and its subnet
// (198.18.<slot>.0/24, the range RFC 2544 sets aside for tests); on taking
// a slot it first removes what a crashed run left in it, and Close removes
// every namespace, link and process it made.
package netns
