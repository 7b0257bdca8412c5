package main

import (
	"fmt"
	"net/netip"
	"sync"
)

// ipam hands out display-only pod IPs from a CIDR. Nothing ever dials them.
type ipam struct {
	prefix netip.Prefix

	mu    sync.Mutex
	used  map[netip.Addr]string // address -> pod UID
	byUID map[string]netip.Addr
	next  netip.Addr
}

func newIPAM(cidr string) (*ipam, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("kubelet: parse --pod-cidr: %w", err)
	}
	p = p.Masked()
	if !p.Addr().Is4() || p.Bits() > 30 {
		return nil, fmt.Errorf("kubelet: --pod-cidr %s: want an IPv4 prefix of /30 or wider", cidr)
	}
	return &ipam{prefix: p, used: map[netip.Addr]string{}, byUID: map[string]netip.Addr{}}, nil
}

// first returns the first address handed out (.2: .0 is the network, .1 the gateway).
func (a *ipam) first() netip.Addr { return a.prefix.Addr().Next().Next() }

// allocate returns the pod's address: the one it already had if that is in the range
// and free, else the next free one (wrapping around). Empty when the range is full.
func (a *ipam) allocate(uid, had string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip, ok := a.byUID[uid]; ok {
		return ip.String()
	}
	if ip, err := netip.ParseAddr(had); err == nil && a.prefix.Contains(ip) {
		if _, taken := a.used[ip]; !taken {
			return a.takeLocked(uid, ip)
		}
	}
	if !a.next.IsValid() {
		a.next = a.first()
	}
	start := a.next
	for {
		ip := a.next
		a.next = a.next.Next()
		if !a.prefix.Contains(a.next) || a.next == lastAddr(a.prefix) {
			a.next = a.first()
		}
		if _, taken := a.used[ip]; !taken {
			return a.takeLocked(uid, ip)
		}
		if a.next == start {
			return ""
		}
	}
}

func (a *ipam) takeLocked(uid string, ip netip.Addr) string {
	a.used[ip] = uid
	a.byUID[uid] = ip
	return ip.String()
}

func (a *ipam) release(ip string) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if uid, ok := a.used[addr]; ok {
		delete(a.used, addr)
		delete(a.byUID, uid)
	}
}

// lastAddr returns the broadcast address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := 32 - p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= (1 << host) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
