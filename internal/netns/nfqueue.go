package netns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Netfilter queue protocol (linux/netfilter/nfnetlink_queue.h).
const (
	nfnlSubsysQueue    = 3
	nfqnlMsgPacket     = 0
	nfqnlMsgVerdict    = 1
	nfqnlMsgConfig     = 2
	nfqaCfgCmd         = 1
	nfqaCfgParams      = 2
	nfqaCfgQueueMaxlen = 3
	nfqaCfgMask        = 4
	nfqaCfgFlags       = 5
	nfqaPacketHdr      = 1
	nfqaVerdictHdr     = 2
	nfqnlCfgCmdBind    = 1
	nfqnlCopyMeta      = 1
	nfqaCfgFFailOpen   = 1
	nfAccept           = 1

	delayQueue    = 7
	delayQueueLen = 65536
)

// delayer holds each packet the host sends, which an iptables NFQUEUE
// rule hands it, for a fixed time and then lets it go. The delay is the
// same for all, so packets leave in the order they came.
type delayer struct {
	h       *Host
	fd      int
	d       time.Duration
	pending chan held
	quit    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

type held struct {
	id uint32
	at time.Time
}

// iptablesRule queues what leaves eth0; --queue-bypass lets packets pass
// when nothing serves the queue.
var iptablesRule = []string{"OUTPUT", "-o", "eth0", "-j", "NFQUEUE", "--queue-num", fmt.Sprint(delayQueue), "--queue-bypass"}

func startDelayer(h *Host, d time.Duration) (*delayer, error) {
	dl := &delayer{h: h, fd: -1, d: d, pending: make(chan held, delayQueueLen), quit: make(chan struct{})}
	err := h.Run(func() (err error) {
		dl.fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netfilter queue socket: %w", err)
	}
	if err := dl.configure(); err != nil {
		unix.Close(dl.fd)
		return nil, err
	}
	dl.wg.Add(2)
	go dl.receive()
	go dl.release()
	if err := run("ip", append([]string{"netns", "exec", h.NS, "iptables", "-w", "-A"}, iptablesRule...)...); err != nil {
		dl.stop()
		return nil, err
	}
	return dl, nil
}

// configure binds the queue and asks for packet ids only.
func (dl *delayer) configure() error {
	if err := unix.Bind(dl.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind netfilter queue socket: %w", err)
	}
	_ = unix.SetsockoptInt(dl.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(dl.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	params := make([]byte, 5)
	params[4] = nfqnlCopyMeta
	msgs := [][]byte{
		nlattr(nfqaCfgCmd, []byte{nfqnlCfgCmdBind, 0, 0, 0}),
		nlattr(nfqaCfgParams, params),
		nlattr(nfqaCfgQueueMaxlen, be32(delayQueueLen)),
		append(nlattr(nfqaCfgMask, be32(nfqaCfgFFailOpen)), nlattr(nfqaCfgFlags, be32(nfqaCfgFFailOpen))...),
	}
	for i, attrs := range msgs {
		if err := dl.send(nfqnlMsgConfig, unix.NLM_F_REQUEST|unix.NLM_F_ACK, uint32(i+1), attrs); err != nil {
			return err
		}
		if err := dl.ack(uint32(i + 1)); err != nil {
			return fmt.Errorf("configure netfilter queue: %w", err)
		}
	}
	return nil
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// nlattr encodes one netlink attribute, padded to 4 bytes.
func nlattr(typ uint16, data []byte) []byte {
	n := 4 + len(data)
	b := make([]byte, (n+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(n))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[4:], data)
	return b
}

// send writes one nfnetlink message of the queue subsystem.
func (dl *delayer) send(msg uint16, flags uint16, seq uint32, attrs []byte) error {
	b := make([]byte, unix.NLMSG_HDRLEN+4, unix.NLMSG_HDRLEN+4+len(attrs))
	binary.NativeEndian.PutUint32(b[0:], uint32(cap(b)))
	binary.NativeEndian.PutUint16(b[4:], nfnlSubsysQueue<<8|msg)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	// nfgenmsg: family AF_UNSPEC, version 0, the queue number (big-endian).
	b[16], b[17] = unix.AF_UNSPEC, 0
	binary.BigEndian.PutUint16(b[18:], delayQueue)
	b = append(b, attrs...)
	return unix.Sendto(dl.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// ack waits for the kernel's answer to message seq.
func (dl *delayer) ack(seq uint32) error {
	buf := make([]byte, 8192)
	for range 20 {
		n, _, err := unix.Recvfrom(dl.fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		for m := buf[:n]; len(m) >= unix.NLMSG_HDRLEN; {
			l := int(binary.NativeEndian.Uint32(m[0:]))
			if l < unix.NLMSG_HDRLEN || l > len(m) {
				break
			}
			if binary.NativeEndian.Uint16(m[4:]) == unix.NLMSG_ERROR && binary.NativeEndian.Uint32(m[8:]) == seq && l >= unix.NLMSG_HDRLEN+4 {
				if errno := int32(binary.NativeEndian.Uint32(m[16:])); errno != 0 {
					return unix.Errno(-errno)
				}
				return nil
			}
			m = m[(l+3)&^3:]
		}
	}
	return errors.New("no answer from the netfilter queue")
}

// receive reads queued packets and hands their ids to release.
func (dl *delayer) receive() {
	defer dl.wg.Done()
	buf := make([]byte, 1<<16)
	for {
		select {
		case <-dl.quit:
			return
		default:
		}
		n, _, err := unix.Recvfrom(dl.fd, buf, 0)
		if err != nil {
			continue // timeout (to see quit), or ENOBUFS: the kernel dropped some, fail-open lets them pass
		}
		now := time.Now()
		for m := buf[:n]; len(m) >= unix.NLMSG_HDRLEN; {
			l := int(binary.NativeEndian.Uint32(m[0:]))
			if l < unix.NLMSG_HDRLEN || l > len(m) {
				break
			}
			if binary.NativeEndian.Uint16(m[4:]) == nfnlSubsysQueue<<8|nfqnlMsgPacket {
				if id, ok := packetID(m[unix.NLMSG_HDRLEN+4 : l]); ok {
					select {
					case dl.pending <- held{id: id, at: now}:
					case <-dl.quit:
						return
					}
				}
			}
			m = m[(l+3)&^3:]
		}
	}
}

// packetID finds the packet header attribute's id.
func packetID(attrs []byte) (uint32, bool) {
	for len(attrs) >= 4 {
		l := int(binary.NativeEndian.Uint16(attrs[0:]))
		typ := binary.NativeEndian.Uint16(attrs[2:]) & 0x3fff
		if l < 4 || l > len(attrs) {
			return 0, false
		}
		if typ == nfqaPacketHdr && l >= 8 {
			return binary.BigEndian.Uint32(attrs[4:]), true
		}
		attrs = attrs[(l+3)&^3:]
	}
	return 0, false
}

// release lets each packet go once it has been held for the delay.
func (dl *delayer) release() {
	defer dl.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		var p held
		select {
		case p = <-dl.pending:
		case <-dl.quit:
			return
		}
		if wait := time.Until(p.at.Add(dl.d)); wait > 0 {
			t.Reset(wait)
			select {
			case <-t.C:
			case <-dl.quit:
				dl.accept(p.id)
				return
			}
		}
		dl.accept(p.id)
	}
}

// accept lets packet id go on.
func (dl *delayer) accept(id uint32) {
	verdict := append(be32(nfAccept), be32(id)...)
	_ = dl.send(nfqnlMsgVerdict, unix.NLM_F_REQUEST, 0, nlattr(nfqaVerdictHdr, verdict))
}

// stop removes the rule, so that new packets pass at once, lets the held
// ones go and closes the queue.
func (dl *delayer) stop() {
	dl.once.Do(func() {
		_ = run("ip", append([]string{"netns", "exec", dl.h.NS, "iptables", "-w", "-D"}, iptablesRule...)...)
		close(dl.quit)
		dl.wg.Wait()
		for {
			select {
			case p := <-dl.pending:
				dl.accept(p.id)
			default:
				unix.Close(dl.fd)
				return
			}
		}
	})
}
