package rekorv2

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ats-run/selfattest"
)

// Version is the rekor-tiles release .ci/rekor-server.sh builds.
const Version = "v2.3.0"

// EnvBinary names the environment variable that overrides where [Binary]
// looks for the server.
const EnvBinary = "SELFATTEST_REKOR_SERVER"

// DefaultOrigin is the checkpoint origin (--hostname) of a server started
// with a zero [Options.Origin].
const DefaultOrigin = "rekor-v2.selfattest.invalid"

// ErrNoBinary is wrapped by [Binary] when the server has not been built.
var ErrNoBinary = selfattest.Beneath(selfattest.ErrCouldNotCheck, "rekorv2: no Rekor v2 server binary: run .ci/rekor-server.sh to build "+
	"github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix@"+Version+
	" (or set "+EnvBinary+" to its path)")

// Binary returns the path of the rekor-tiles POSIX server:
// $SELFATTEST_REKOR_SERVER when set, otherwise the binary
// .ci/rekor-server.sh caches at
// ${XDG_CACHE_HOME:-$HOME/.cache}/selfattest/rekor-server/<Version>/posix.
// When that file is missing or not executable the error wraps
// [ErrNoBinary] and says how to build it.
func Binary() (string, error) {
	p := os.Getenv(EnvBinary)
	if p == "" {
		var err error
		if p, err = cachePath(); err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
		}
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBinary, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%w: %s is not an executable file", ErrNoBinary, p)
	}
	return p, nil
}

// Options tune [Start]. The zero value starts a fresh log with a new key,
// origin [DefaultOrigin] and a 500ms checkpoint interval.
type Options struct {
	// Origin is the checkpoint origin (the server's --hostname): a host
	// name with no port or scheme. Empty means [DefaultOrigin].
	Origin string
	// Key is the log's signing key; nil means a new Ed25519 key.
	Key ed25519.PrivateKey
	// CheckpointInterval is how often the log publishes a checkpoint; a
	// write returns after the next one. Zero means 500ms.
	CheckpointInterval time.Duration
	// StartTimeout bounds the wait for /healthz to answer SERVING. Zero
	// means 20s.
	StartTimeout time.Duration
}

// Server is a running Rekor v2 log. Its fields are read-only.
type Server struct {
	// URL is the write API's base, http://127.0.0.1:PORT (POST
	// /api/v2/log/entries); what sign.RekorOptions.BaseURL takes.
	URL string
	// TilesURL is the base of the read API (checkpoint, tile/…,
	// tile/entries/…), served read-only from StorageDir.
	TilesURL string
	// StorageDir is the log's C2SP tlog-tiles directory.
	StorageDir string
	// Origin is the checkpoint origin, equal to the server's --hostname.
	Origin string
	// PublicKey is the log's public key.
	PublicKey ed25519.PublicKey
	// Started is when the server came up; trusted roots built by
	// [Server.TrustedRootJSON] make the log key valid from a minute
	// before.
	Started time.Time

	out *lockedBuffer
}

// Log returns what the server printed so far.
func (s *Server) Log() string { return s.out.String() }

// Start runs a Rekor v2 server for the test and returns once it serves,
// stopping it when the test ends (logging its output if the test failed).
// When the binary is missing (and $SELFATTEST_REKOR_SERVER is not set) it
// builds it on first use into the version-keyed cache ([Build]) and says
// so in the test's log; it never skips. It stops the test on any failure.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil && os.Getenv(EnvBinary) == "" {
		bin, err = Build(context.Background(), t.Logf)
	}
	if err != nil {
		t.Fatalf("needs a real Rekor v2 server: %v", err)
	}
	if opts.Origin == "" {
		opts.Origin = DefaultOrigin
	}
	if strings.ContainsAny(opts.Origin, ":/ ") {
		t.Fatalf("rekorv2: origin %q must be a bare host name", opts.Origin)
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = 500 * time.Millisecond
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 20 * time.Second
	}
	key := opts.Key
	if key == nil {
		if _, key, err = ed25519.GenerateKey(rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	keyFile := filepath.Join(tmp, "log.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{
		StorageDir: filepath.Join(tmp, "storage"),
		Origin:     opts.Origin,
		PublicKey:  key.Public().(ed25519.PublicKey),
		out:        &lockedBuffer{},
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("rekor v2 server output:\n%s", s.Log())
		}
	})

	// Free ports are picked by listening and closing, so another process
	// may take one first: the server then exits, and Start tries again.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := freePorts(3)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve",
			"--hostname", opts.Origin,
			"--signer-filepath", keyFile,
			"--storage-dir", s.StorageDir,
			"--checkpoint-interval", opts.CheckpointInterval.String(),
			"--http-address", "127.0.0.1", "--http-port", strconv.Itoa(ports[0]),
			"--grpc-address", "127.0.0.1", "--grpc-port", strconv.Itoa(ports[1]),
			"--http-metrics-port", strconv.Itoa(ports[2]),
		)
		cmd.Stdout, cmd.Stderr = s.out, s.out
		cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
		if err := cmd.Start(); err != nil {
			t.Fatalf("rekorv2: starting %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		url := "http://127.0.0.1:" + strconv.Itoa(ports[0])
		if lastErr = waitServing(url, exited, opts.StartTimeout); lastErr == nil {
			s.URL = url
			t.Cleanup(func() { stop(cmd, exited) })
			break
		}
		select {
		case <-exited: // most likely a port clash: try other ports
		default:
			stop(cmd, exited)
			t.Fatalf("rekorv2: %v\n%s", lastErr, s.Log())
		}
	}
	if s.URL == "" {
		t.Fatalf("rekorv2: server did not start: %v\n%s", lastErr, s.Log())
	}
	s.Started = time.Now()
	s.TilesURL = serveDir(t, s.StorageDir)
	return s
}

// waitServing polls url/healthz until it answers SERVING, the process
// exits or the timeout passes.
func waitServing(url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("SERVING")) {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("server exited before serving")
		case <-ctx.Done():
			return fmt.Errorf("no SERVING from %s/healthz within %v", url, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server to shut down and kills it if it has not within 10s.
func stop(cmd *exec.Cmd, exited <-chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// serveDir serves dir read-only (GET and HEAD) on 127.0.0.1 until the
// test ends and returns its base URL.
func serveDir(t testing.TB, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(dir))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Error(w, "read-only", http.StatusMethodNotAllowed)
				return
			}
			files.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// lockedBuffer collects the server's output from two pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
