package netns

import (
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
)

// faultTable is the nftables table every host gets: addresses in the cut
// sets are dropped (0.0.0.0/0 for everything), the loss chains drop a
// share of the packets. The loopback stays untouched.
const faultTable = `table inet spindle {
	set cut_in { type ipv4_addr; flags interval; }
	set cut_out { type ipv4_addr; flags interval; }
	chain loss_in { }
	chain loss_out { }
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "lo" accept
		ip saddr @cut_in drop
		jump loss_in
	}
	chain out {
		type filter hook output priority 0; policy accept;
		oifname "lo" accept
		ip daddr @cut_out drop
		jump loss_out
	}
}
`

// Direction says which of a host's traffic a cut drops.
type Direction int

const (
	// Both drops what the host sends and what it receives.
	Both Direction = iota
	// Inbound drops what the host receives: it can send, nobody answers.
	Inbound
	// Outbound drops what the host sends: it hears, nobody hears it.
	Outbound
)

func (d Direction) String() string {
	return [...]string{"both", "inbound", "outbound"}[d]
}

// nft runs an nft script in the host.
func (h *Host) nft(script string) error {
	_, err := outputStdin(script, "ip", "netns", "exec", h.NS, "nft", "-f", "-")
	return err
}

// Cut drops the host's traffic with peers in the given direction; with no
// peers, with everything (every host and the test process). Connections
// stay open, as in a real partition: their packets are lost until Heal.
func (h *Host) Cut(dir Direction, peers ...*Host) error {
	addrs := []string{"0.0.0.0/0"}
	if len(peers) > 0 {
		addrs = addrs[:0]
		for _, p := range peers {
			addrs = append(addrs, p.IP.String())
		}
	}
	elems := "{ " + strings.Join(addrs, ", ") + " }"
	var script strings.Builder
	if dir != Outbound {
		fmt.Fprintf(&script, "add element inet spindle cut_in %s\n", elems)
	}
	if dir != Inbound {
		fmt.Fprintf(&script, "add element inet spindle cut_out %s\n", elems)
	}
	if err := h.nft(script.String()); err != nil {
		return fmt.Errorf("netns: cut host %s: %w", h.Name, err)
	}
	h.net.lg.Info("host cut off", zap.String("host", h.Name), zap.Stringer("direction", dir), zap.Strings("from", addrs))
	return nil
}

// Loss drops pct percent of the packets the host sends and receives.
func (h *Host) Loss(pct int) error {
	if pct < 0 || pct > 100 {
		return fmt.Errorf("netns: loss %d%%: want 0 to 100", pct)
	}
	script := "flush chain inet spindle loss_in\nflush chain inet spindle loss_out\n"
	switch {
	case pct == 100:
		script += "add rule inet spindle loss_in drop\nadd rule inet spindle loss_out drop\n"
	case pct > 0:
		script += fmt.Sprintf("add rule inet spindle loss_in numgen random mod 100 < %d drop\n", pct)
		script += fmt.Sprintf("add rule inet spindle loss_out numgen random mod 100 < %d drop\n", pct)
	}
	if err := h.nft(script); err != nil {
		return fmt.Errorf("netns: loss on host %s: %w", h.Name, err)
	}
	h.net.lg.Info("host loses packets", zap.String("host", h.Name), zap.Int("percent", pct))
	return nil
}

// LinkDown takes the host's link to the bridge down: nothing passes
// either way and the host sees no carrier.
func (h *Host) LinkDown() error {
	if err := run("ip", "link", "set", h.veth, "down"); err != nil {
		return fmt.Errorf("netns: link of host %s down: %w", h.Name, err)
	}
	h.net.lg.Info("host link down", zap.String("host", h.Name))
	return nil
}

// LinkUp brings the host's link back.
func (h *Host) LinkUp() error {
	if err := run("ip", "link", "set", h.veth, "up"); err != nil {
		return fmt.Errorf("netns: link of host %s up: %w", h.Name, err)
	}
	return nil
}

// Delay holds every packet the host sends for d before it goes, so that
// a round trip with any peer takes d longer; 0 removes the delay.
func (h *Host) Delay(d time.Duration) error {
	h.stopDelay()
	if d <= 0 {
		return nil
	}
	dl, err := startDelayer(h, d)
	if err != nil {
		return fmt.Errorf("netns: delay on host %s: %w", h.Name, err)
	}
	h.mu.Lock()
	h.delay = dl
	h.mu.Unlock()
	h.net.lg.Info("host delays packets", zap.String("host", h.Name), zap.Duration("delay", d))
	return nil
}

func (h *Host) stopDelay() {
	h.mu.Lock()
	dl := h.delay
	h.delay = nil
	h.mu.Unlock()
	if dl != nil {
		dl.stop()
	}
}

// Heal undoes every fault: cuts, loss, delay, a link down.
func (h *Host) Heal() error {
	h.stopDelay()
	err := h.nft("flush set inet spindle cut_in\nflush set inet spindle cut_out\nflush chain inet spindle loss_in\nflush chain inet spindle loss_out\n")
	if err != nil {
		return fmt.Errorf("netns: heal host %s: %w", h.Name, err)
	}
	if err := h.LinkUp(); err != nil {
		return err
	}
	h.net.lg.Info("host healed", zap.String("host", h.Name))
	return nil
}
