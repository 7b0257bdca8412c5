package cli

import (
	"runtime"
	"testing"
)

func TestMaxStreamsFor(t *testing.T) {
	for _, c := range []struct {
		avail uint64
		want  int
	}{
		{0, unknownStreams},        // unknown: a middle value
		{10 << 20, 100},            // 10 MiB: the floor
		{100 << 20, 200},           // 100 MiB / 4 / 128 KiB
		{1 << 30, 2048},            // 1 GiB
		{64 << 30, 10_000},         // the ceiling
		{1<<30 + 64<<10, 2048},     // rounds down
		{400 << 20, 800},           // 400 MiB
		{1<<63 + 1, maxMaxStreams}, // no overflow
	} {
		if got := maxStreamsFor(c.avail); got != c.want {
			t.Errorf("maxStreamsFor(%d) = %d, want %d", c.avail, got, c.want)
		}
	}
}

func TestMemAvailableOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/meminfo")
	}
	if got := memAvailable(); got == 0 {
		t.Fatal("memAvailable() = 0 on Linux: /proc/meminfo's MemAvailable was not read")
	}
	if d := defaultMaxStreams(); d < minMaxStreams || d > maxMaxStreams {
		t.Errorf("defaultMaxStreams() = %d, want between %d and %d", d, minMaxStreams, maxMaxStreams)
	}
}
