package ipfs_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ats-run/selfattest/anchor/ipfs"
)

// benchSize is the size of the benchmarks' file: 256 MiB.
const benchSize = 256 << 20

// benchFile writes the benchmarks' file and reads it once, so that both
// benchmarks read it from the page cache.
func benchFile(b *testing.B) string {
	b.Helper()
	p := writeFile(b, b.TempDir(), "bench", 11, benchSize)
	readFile(b, p, func(f io.Reader) error {
		_, err := io.Copy(io.Discard, f)
		return err
	})
	return p
}

// readFile opens p, hands it to read and closes it, stopping the
// benchmark if opening or reading fails.
func readFile(b *testing.B, p string, read func(io.Reader) error) {
	b.Helper()
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkArchive archives a 256 MiB file into an on-disk store: read,
// chunk, hash every leaf and node (sha2-256), write every block. Compare
// with BenchmarkSHA256 over the same bytes.
func BenchmarkArchive(b *testing.B) {
	p := benchFile(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	archiveEach(b, p)
}

// archiveEach archives path b.N times, each time into a fresh on-disk
// store whose opening is not timed.
func archiveEach(b *testing.B, path string) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := ipfs.OpenStore(filepath.Join(b.TempDir(), "s"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		a := &ipfs.Archiver{Store: s}
		if _, err := a.AddPath(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveVsSHA256 does, in every iteration, the work of
// BenchmarkSHA256, then the store's writes alone, then BenchmarkArchive,
// then BenchmarkArchive with every block written through the page cache,
// and reports the speeds and ratios, so that on a shared machine all of
// them meet the same load:
//
//   - sha256-MB/s: read the file from the page cache and hash it once;
//   - writes-MB/s: read it and write each 1 MiB chunk to a new file
//     renamed into place, as the store does (directly where it can), on
//     one goroutine and without hashing: what the disk takes;
//   - archive-MB/s: archive it into a fresh on-disk store;
//   - buffered-MB/s: the same into a store that writes through the page
//     cache (as on a file system without O_DIRECT);
//   - ratio: archive-MB/s over sha256-MB/s (0.5: archiving takes twice as
//     long as hashing the bytes once);
//   - buffered-ratio and writes-ratio: buffered-MB/s and writes-MB/s over
//     sha256-MB/s.
func BenchmarkArchiveVsSHA256(b *testing.B) {
	p := benchFile(b)
	buf := ipfs.AlignedBuffer(ipfs.ChunkSize)
	var hashing, writing, archiving, buffered time.Duration
	archiveInto := func(direct bool) time.Duration {
		s, err := ipfs.OpenStore(filepath.Join(b.TempDir(), "s"))
		if err != nil {
			b.Fatal(err)
		}
		if !direct {
			s.Buffered()
		}
		t := time.Now()
		a := &ipfs.Archiver{Store: s}
		if _, err := a.AddPath(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		return time.Since(t)
	}
	for i := 0; i < b.N; i++ {
		t := time.Now()
		readFile(b, p, func(f io.Reader) error {
			h := sha256.New()
			_, err := io.CopyBuffer(h, f, buf)
			h.Sum(nil)
			return err
		})
		hashing += time.Since(t)

		dir := b.TempDir()
		t = time.Now()
		writeChunks(b, p, dir, buf)
		writing += time.Since(t)

		archiving += archiveInto(true)
		buffered += archiveInto(false)
	}
	mbs := func(d time.Duration) float64 { return float64(b.N) * benchSize / 1e6 / d.Seconds() }
	b.ReportMetric(mbs(hashing), "sha256-MB/s")
	b.ReportMetric(mbs(writing), "writes-MB/s")
	b.ReportMetric(mbs(archiving), "archive-MB/s")
	b.ReportMetric(mbs(buffered), "buffered-MB/s")
	b.ReportMetric(hashing.Seconds()/archiving.Seconds(), "ratio")
	b.ReportMetric(hashing.Seconds()/buffered.Seconds(), "buffered-ratio")
	b.ReportMetric(hashing.Seconds()/writing.Seconds(), "writes-ratio")
}

// writeChunks writes the file p in chunks of len(buf) bytes to new files
// in dir, each written as the store writes a block and renamed into
// place: the store's writes, without the hashing.
func writeChunks(b *testing.B, p, dir string, buf []byte) {
	in, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	s, err := ipfs.OpenStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; ; i++ {
		n, err := io.ReadFull(in, buf)
		if err == io.EOF {
			return
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			b.Fatal(err)
		}
		name, err := s.WriteBlockFile(dir, buf[:n])
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(name, filepath.Join(dir, strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveSmallFiles archives a folder of 256 MiB of small files
// (AddPath) into a fresh on-disk store: 256 files of 1 MiB (one leaf
// each, a plain folder), and 8,192 files of 32 KiB (a HAMT-sharded
// folder). Where BenchmarkArchive measures the chunks of one big file,
// this measures what each file costs.
func BenchmarkArchiveSmallFiles(b *testing.B) {
	for _, tc := range []struct {
		name  string
		files int
		size  int64
	}{
		{"256x1MiB", 256, 1 << 20},
		{"8192x32KiB", 8192, 32 << 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			for i := range tc.files {
				p := writeFile(b, dir, fmt.Sprintf("f%05d", i), byte(i), tc.size)
				readFile(b, p, func(f io.Reader) error { // into the page cache
					_, err := io.Copy(io.Discard, f)
					return err
				})
			}
			b.SetBytes(int64(tc.files) * tc.size)
			b.ResetTimer()
			archiveEach(b, dir)
		})
	}
}

// BenchmarkArchiveCIDOnly computes the archive CID of the same file,
// storing nothing ([ipfs.CID]): the importer and hashing without the
// writes.
func BenchmarkArchiveCIDOnly(b *testing.B) {
	p := benchFile(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		readFile(b, p, func(f io.Reader) error {
			_, _, err := ipfs.CID(context.Background(), f, ipfs.Limits{})
			return err
		})
	}
}

// BenchmarkWriteFile copies the same file to a new file: what writing
// 256 MiB costs on this disk, the floor under BenchmarkArchive.
func BenchmarkWriteFile(b *testing.B) {
	p := benchFile(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := filepath.Join(b.TempDir(), "copy")
		b.StartTimer()
		readFile(b, p, func(in io.Reader) error {
			out, err := os.Create(dst)
			if err != nil {
				return err
			}
			defer out.Close()
			_, err = io.Copy(out, in)
			return err
		})
	}
}

// BenchmarkSHA256 reads the same 256 MiB file and hashes it with SHA-256.
func BenchmarkSHA256(b *testing.B) {
	p := benchFile(b)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		readFile(b, p, func(f io.Reader) error {
			h := sha256.New()
			_, err := io.Copy(h, bufio.NewReaderSize(f, 1<<20))
			h.Sum(nil)
			return err
		})
	}
}

// BenchmarkCAR exports the 256 MiB archive as a CAR (which verifies the
// DAG first) and imports it, verified, into a fresh store.
func BenchmarkCAR(b *testing.B) {
	ctx := context.Background()
	p := benchFile(b)
	s := newStore(b)
	root := archive(b, s, p)
	car := filepath.Join(b.TempDir(), "a.car")
	b.Run("Export", func(b *testing.B) {
		b.SetBytes(benchSize)
		for i := 0; i < b.N; i++ {
			f, err := os.Create(car)
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriterSize(f, 1<<20)
			if err := ipfs.ExportCAR(ctx, s, root, w, ipfs.Limits{}); err != nil {
				b.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("VerifiedImport", func(b *testing.B) {
		b.SetBytes(benchSize)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s2, err := ipfs.OpenStore(filepath.Join(b.TempDir(), "s"))
			if err != nil {
				b.Fatal(err)
			}
			f, err := os.Open(car)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := ipfs.ImportCAR(ctx, bufio.NewReaderSize(f, 1<<20), root, s2, ipfs.Limits{}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("GatewayFetch", func(b *testing.B) {
		url := boxoGateway(b, s, root)
		g := &ipfs.Gateway{URL: url}
		b.SetBytes(benchSize)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s2, err := ipfs.OpenStore(filepath.Join(b.TempDir(), "s"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := g.Fetch(ctx, root, s2); err != nil {
				b.Fatal(err)
			}
		}
	})
}
