package stream

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// ringModel is the obvious, slow implementation Ring is checked against.
type ringModel struct {
	cap     int
	all     []int // everything ever pushed
	first   int   // index in all of the oldest kept
	dropped int
}

func (m *ringModel) push(vs ...int) {
	m.all = append(m.all, vs...)
	if kept := len(m.all) - m.first; kept > m.cap {
		m.dropped += kept - m.cap
		m.first += kept - m.cap
	}
}

func (m *ringModel) reset() { m.first = len(m.all) }

func checkRing(t *testing.T, step string, r *Ring[int], m *ringModel) {
	t.Helper()
	want := m.all[m.first:]
	if r.Len() != len(want) || r.Total() != int64(len(m.all)) || r.First() != int64(m.first) || r.Dropped() != int64(m.dropped) {
		t.Fatalf("%s: Len %d Total %d First %d Dropped %d; want %d %d %d %d", step,
			r.Len(), r.Total(), r.First(), r.Dropped(), len(want), len(m.all), m.first, m.dropped)
	}
	var got []int
	for i := 0; i < r.Len(); i++ {
		got = append(got, r.At(i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: At = %v, want %v", step, got, want)
	}
	var idx []int64
	got = got[:0]
	for a, v := range r.All() {
		idx = append(idx, a)
		got = append(got, v)
		if w, ok := r.Abs(a); !ok || w != v {
			t.Fatalf("%s: Abs(%d) = %d, %v; want %d", step, a, w, ok, v)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: All = %v, want %v", step, got, want)
	}
	for i, a := range idx {
		if a != int64(m.first+i) {
			t.Fatalf("%s: All index %d = %d, want %d", step, i, a, m.first+i)
		}
	}
	if _, ok := r.Abs(r.First() - 1); ok && r.First() > 0 {
		t.Fatalf("%s: Abs(First-1) reported held", step)
	}
	if _, ok := r.Abs(r.Total()); ok {
		t.Fatalf("%s: Abs(Total) reported held", step)
	}
}

func TestRing(t *testing.T) {
	type op struct {
		push  []int // PushSlice when more than one value, Push when one
		reset bool
	}
	tests := []struct {
		name string
		cap  int
		ops  []op
	}{
		{"empty", 3, nil},
		{"under capacity", 3, []op{{push: []int{1}}, {push: []int{2}}}},
		{"exactly full", 3, []op{{push: []int{1, 2, 3}}}},
		{"one over", 3, []op{{push: []int{1, 2, 3}}, {push: []int{4}}}},
		{"wraps many times", 3, []op{{push: []int{1}}, {push: []int{2}}, {push: []int{3}}, {push: []int{4}}, {push: []int{5}}, {push: []int{6}}, {push: []int{7}}}},
		{"slice larger than capacity", 3, []op{{push: []int{1}}, {push: []int{2, 3, 4, 5, 6}}}},
		{"slice exactly capacity on partial", 3, []op{{push: []int{1}}, {push: []int{2, 3, 4}}}},
		{"slice wraps", 4, []op{{push: []int{1, 2, 3}}, {push: []int{4, 5, 6}}}},
		{"capacity one", 1, []op{{push: []int{1}}, {push: []int{2, 3}}, {push: []int{4}}}},
		{"reset keeps indexes", 3, []op{{push: []int{1, 2, 3, 4}}, {reset: true}, {push: []int{5}}}},
		{"reset empty", 3, []op{{reset: true}, {push: []int{1, 2}}}},
		{"empty slice", 3, []op{{push: []int{1}}, {push: []int{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRing[int](tt.cap)
			m := &ringModel{cap: tt.cap}
			checkRing(t, "new", r, m)
			for i, o := range tt.ops {
				switch {
				case o.reset:
					r.Reset()
					m.reset()
				case len(o.push) == 1:
					r.Push(o.push[0])
					m.push(o.push...)
				default:
					r.PushSlice(o.push)
					m.push(o.push...)
				}
				checkRing(t, "op "+string(rune('0'+i)), r, m)
			}
		})
	}
}

func TestRingRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []int{1, 2, 3, 7, 64} {
		r := NewRing[int](c)
		m := &ringModel{cap: c}
		next := 0
		for step := 0; step < 2000; step++ {
			switch k := rng.IntN(20); {
			case k == 0:
				r.Reset()
				m.reset()
			case k < 10:
				r.Push(next)
				m.push(next)
				next++
			default:
				vs := make([]int, rng.IntN(2*c+2))
				for i := range vs {
					vs[i] = next
					next++
				}
				r.PushSlice(vs)
				m.push(vs...)
			}
			checkRing(t, "random", r, m)
		}
	}
}

func TestRingPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"zero capacity", func() { NewRing[int](0) }},
		{"At on empty", func() { NewRing[int](2).At(0) }},
		{"At negative", func() { r := NewRing[int](2); r.Push(1); r.At(-1) }},
		{"At past end", func() { r := NewRing[int](2); r.Push(1); r.At(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestRingAllBreak(t *testing.T) {
	r := NewRing[int](4)
	r.PushSlice([]int{1, 2, 3, 4, 5})
	var got []int
	for _, v := range r.All() {
		got = append(got, v)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, []int{2, 3}) {
		t.Errorf("got %v", got)
	}
}

func BenchmarkRing(b *testing.B) {
	b.Run("Push", func(b *testing.B) {
		r := NewRing[Line](10000)
		l := Line{Text: "x"}
		b.ReportAllocs()
		for b.Loop() {
			r.Push(l)
		}
	})
	b.Run("PushSlice64", func(b *testing.B) {
		r := NewRing[Line](10000)
		batch := make([]Line, 64)
		b.ReportAllocs()
		for b.Loop() {
			r.PushSlice(batch)
		}
		b.ReportMetric(64*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}
