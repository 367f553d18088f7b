package harness

import "testing"

func BenchmarkZZ1M(b *testing.B) {
	s := &Scenario{People: []PersonSpec{{Generate: &GenerateSpec{Count: 1_000_000, Domain: "example.com"}}}}
	for i := 0; i < b.N; i++ {
		s.ExpandPeople()
	}
}
