package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/ats-run/selfattest"
	"github.com/ats-run/selfattest/anchor/ipfs"
	"github.com/ats-run/selfattest/examples/internal/evidence"
)

// The archive and fetch commands; the work is in package
// examples/internal/evidence.

// parseInterspersed parses args with fs, allowing flags after the
// positional arguments (archivist fetch CID --gateway URL DIR), and
// returns the positional ones, or the exit code as parse does.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if code := parse(fs, args); code >= 0 {
			return nil, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

const archiveArgs = "[--car OUT.car] [--store DIR] [--kubo-api URL] [--journal F] [--max-size N] [--json] PATH..."

// archive writes files or a folder as an IPFS archive into a block store
// and prints its root CID last.
func (e env) archiveCmd(ctx context.Context, args []string) int {
	fs := e.newFlagSet("archive", archiveArgs)
	journal := fs.String("journal", evidence.DefaultJournal, "the journal `file` beside which the default store lies (it need not exist)")
	store := fs.String("store", "", "the block store `folder` (default F.ipfs beside the journal)")
	car := fs.String("car", "", "also write the archive as a CAR version 1 `file` (replaced if it exists)")
	maxSize := fs.Int64("max-size", evidence.DefaultMaxSize, "the largest file to accept, in bytes")
	kuboAPI := fs.String("kubo-api", "", "publish the archive to the Kubo node whose RPC API is at `URL` (dag/import, which pins it)")
	timeout := timeoutVar(fs, "--kubo-api: time limit for publishing")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	paths, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 || *maxSize < 1 {
		fs.Usage()
		return selfattest.ExitBadInput
	}
	if *store == "" {
		*store = evidence.StoreDirOf(*journal)
	}
	st, err := evidence.ArchivePaths(ctx, paths, *store, *car, ipfs.Limits{MaxFileSize: *maxSize})
	if err != nil {
		return e.fail(err)
	}
	var perr error
	if *kuboAPI != "" {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		perr = evidence.PublishArchive(pctx, st, *kuboAPI, *timeout)
		cancel()
	}
	if *asJSON {
		e.printJSON(struct {
			*evidence.ArchiveStat
			Error string `json:"error,omitempty"`
		}{st, evidence.ErrString(perr)})
	} else {
		fmt.Fprintf(e.stdout, "archived %d file(s), %d bytes, into %s\n", st.Files, st.Size, st.Store)
		if st.CAR != "" {
			fmt.Fprintf(e.stdout, "CAR written to %s\n", st.CAR)
		}
		if st.Published != "" {
			fmt.Fprintf(e.stdout, "published to %s and pinned\n", st.Published)
		}
		fmt.Fprintln(e.stdout, st.CID)
	}
	if perr != nil {
		// The archive is in the store and its CID printed: only
		// publishing failed.
		return e.fail(perr)
	}
	return selfattest.ExitVerified
}

const fetchArgs = "CID --gateway URL [--max-size N] [--timeout D] [--json] DIR"

// fetchCmd retrieves an archive from a trustless gateway, verified, and
// writes its files into a folder.
func (e env) fetchCmd(ctx context.Context, args []string) int {
	fs := e.newFlagSet("fetch", fetchArgs)
	gateway := fs.String("gateway", "", "the trustless gateway's `URL` (e.g. http://127.0.0.1:8080); trusted for nothing but availability")
	maxSize := fs.Int64("max-size", evidence.DefaultMaxSize, "the most bytes of files to accept from the gateway")
	timeout := timeoutVar(fs, "time limit for the retrieval")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	pos, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 2 || *gateway == "" || *maxSize < 1 {
		fs.Usage()
		return selfattest.ExitBadInput
	}
	root, err := cid.Decode(pos[0])
	if err != nil {
		return e.fail(fmt.Errorf("%w: CID %q: %w", errUsage, pos[0], err))
	}
	g := &ipfs.Gateway{URL: *gateway, Timeout: *timeout, Limits: ipfs.Limits{MaxFileSize: *maxSize, MaxTotalSize: *maxSize}}
	written, st, err := evidence.FetchArchive(ctx, g, root, pos[1])
	if err != nil {
		return e.fail(err)
	}
	if *asJSON {
		e.printJSON(struct {
			CID   string   `json:"cid"`
			Dir   string   `json:"dir"`
			Files int      `json:"files"`
			Size  int64    `json:"size"`
			Wrote []string `json:"wrote"`
		}{root.String(), pos[1], st.Files, st.Size, written})
		return selfattest.ExitVerified
	}
	for _, w := range written {
		fmt.Fprintln(e.stdout, w)
	}
	fmt.Fprintf(e.stdout, "fetched %s, verified: %d file(s), %d bytes, into %s\n", root, st.Files, st.Size, pos[1])
	return selfattest.ExitVerified
}
