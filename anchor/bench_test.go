package anchor_test

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor"
)

// BenchmarkReceipts: 1,000,000 evidence digests to a root, and every
// receipt encoded (with one complete anchor entry, as a receipt is kept),
// the encoding spread over the cores. Reports receipts/s (wall clock),
// receipts per CPU second (what the machine's other load does not
// change), the longest proof and the mean receipt size.
func BenchmarkReceipts(b *testing.B) {
	const n = 1_000_000
	evs := make([]anchor.Evidence, n)
	digests := make([]byte, 32*n)
	for i := range evs {
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], uint64(i))
		d := sha256.Sum256(seed[:])
		copy(digests[32*i:], d[:])
		evs[i] = anchor.Evidence{Name: "evidence.json", MediaType: "application/json", Algorithm: anchor.SHA256, Digest: digests[32*i : 32*i+32 : 32*i+32]}
	}
	entry := mustEntry(b, `{"kind":"memory","target":"fake-1","id":1,"root":"0000000000000000000000000000000000000000000000000000000000000000","block":1,"sig":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}`)
	var bytesOut atomic.Int64
	var batch *anchor.Batch
	runtime.GC()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for range b.N {
		bytesOut.Store(0)
		var err error
		batch, err = anchor.NewBatch(evs)
		if err != nil {
			b.Fatal(err)
		}
		w := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		part := (n + w - 1) / w
		for lo := 0; lo < n; lo += part {
			hi := min(lo+part, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 0, 4096)
				var total int64
				for i := lo; i < hi; i++ {
					var err error
					buf, err = batch.AppendReceipt(buf[:0], i, entry)
					if err != nil {
						b.Error(err)
						return
					}
					total += int64(len(buf))
				}
				bytesOut.Add(total)
			}()
		}
		wg.Wait()
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	longest := 0
	for i := 0; i < n; i += 997 {
		r, err := batch.Receipt(i)
		if err != nil {
			b.Fatal(err)
		}
		longest = max(longest, len(r.Proof))
	}
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "receipts/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "receipts/cpu-s")
	}
	b.ReportMetric(float64(longest), "proof-hashes")
	b.ReportMetric(float64(bytesOut.Load())/n, "receipt-bytes")
}

// One receipt at a time from a batch of 1,000,000 (built once): Receipt
// then Marshal, against AppendReceipt.
func BenchmarkReceiptOne(b *testing.B) {
	evs := items(1 << 20)
	batch := mustBatch(b, evs)
	entry := mustEntry(b, `{"kind":"memory","target":"fake-1","id":1}`)
	batch.AppendReceipt(nil, 0) // the hex cache, made once
	b.Run("ReceiptMarshal", func(b *testing.B) {
		for i := range b.N {
			r, err := batch.Receipt(i&(1<<20-1), entry)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendReceipt", func(b *testing.B) {
		var buf []byte
		for i := range b.N {
			var err error
			if buf, err = batch.AppendReceipt(buf[:0], i&(1<<20-1), entry); err != nil {
				b.Fatal(err)
			}
		}
	})
}
