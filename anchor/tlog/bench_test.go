package tlog

import (
	"testing"
	"time"
)

// BenchmarkAppendBatch appends b.N entries in batches of 4096 to a log with
// BatchMaxSize 4096: the way to fill a big log.
func BenchmarkAppendBatch(b *testing.B) {
	const batch = 4096
	l := openLog(b, b.TempDir(), testKey("bench"), Options{BatchMaxSize: batch})
	ctx := testCtx(b)
	entries := testEntries("bench", 0, batch)
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		if _, err := l.AppendBatch(ctx, entries[:n]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkAppend appends one entry at a time, waiting for each: the
// latency of a signing flow (bounded below by BatchMaxAge).
func BenchmarkAppend(b *testing.B) {
	l := openLog(b, b.TempDir(), testKey("bench"), Options{})
	ctx := testCtx(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Append(ctx, testEntry("bench", uint64(i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendParallel appends from many goroutines at once, which
// tessera gathers into batches.
func BenchmarkAppendParallel(b *testing.B) {
	l := openLog(b, b.TempDir(), testKey("bench"), Options{})
	ctx := testCtx(b)
	b.SetParallelism(64)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := uint64(0)
		for pb.Next() {
			i++
			if _, err := l.Append(ctx, testEntry("bench", i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkProve proves entries of a 100,000-entry log at its latest
// checkpoint.
func BenchmarkProve(b *testing.B) {
	const size = 100_000
	l := openLog(b, b.TempDir(), testKey("bench"), Options{BatchMaxSize: 4096})
	ctx := testCtx(b)
	if _, err := l.AppendBatch(ctx, testEntries("bench", 0, size)); err != nil {
		b.Fatal(err)
	}
	if _, err := l.Await(ctx, size-1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Prove(ctx, uint64(i*7919)%size); err != nil {
			b.Fatal(err)
		}
	}
}
