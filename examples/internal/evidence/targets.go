package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/anchortest"
	"github.com/ats-run/selfattest/anchor/eth"
)

// The target kinds --to accepts.
const (
	KindMemory   = "memory"
	KindEth      = "eth"
	KindEthEvent = "eth-event"
)

// TargetKinds are the kinds --to accepts, as the usage lists them.
var TargetKinds = []string{KindMemory, KindEth, KindEthEvent, KindTlog, KindRekor, KindIpfs}

// maxKeyFile bounds a key file read.
const maxKeyFile = 64 << 10

// ParseTargets reads --to: a comma-separated list of target kinds, each
// once.
func ParseTargets(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: --to: name at least one target (%s)", ErrUsage, strings.Join(TargetKinds, ", "))
	}
	var out []string
	for k := range strings.SplitSeq(s, ",") {
		k = strings.TrimSpace(k)
		switch {
		case !slices.Contains(TargetKinds, k):
			return nil, fmt.Errorf("%w: --to: unknown target %q (%s)", ErrUsage, k, strings.Join(TargetKinds, ", "))
		case slices.Contains(out, k):
			return nil, fmt.Errorf("%w: --to: %s named twice", ErrUsage, k)
		}
		out = append(out, k)
	}
	return out, nil
}

// MemoryFiles are the files of the memory target of a journal: its
// ledger, its private key (mode 600) and its public key, beside the
// journal.
type MemoryFiles struct{ State, Key, Pub string }

func memoryFilesOf(journal string) MemoryFiles {
	return MemoryFiles{State: journal + ".memory.json", Key: journal + ".memory.key", Pub: journal + ".memory.pub"}
}

// OpenMemory opens the memory target of a journal, creating its key on
// first use (and saying so on notice). Its ledger lives in a state file,
// so anchors survive from one command to the next.
func OpenMemory(journal string, notice io.Writer) (*anchortest.Memory, MemoryFiles, error) {
	mf := memoryFilesOf(journal)
	key, err := loadMemoryKey(mf.Key)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createMemoryKey(mf)
		if err == nil {
			fmt.Fprintf(notice, "created the memory target's Ed25519 key %s (mode 600); verifiers need its public key %s (--memory-key)\n", mf.Key, mf.Pub)
		}
	}
	if err != nil {
		return nil, mf, err
	}
	if _, err := os.Lstat(mf.Pub); errors.Is(err, os.ErrNotExist) {
		if err := writeMemoryPub(mf.Pub, key.Public().(ed25519.PublicKey)); err != nil {
			return nil, mf, err
		}
	}
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{StateFile: mf.State})
	return m, mf, err
}

// loadMemoryKey reads an Ed25519 private key file (PKCS #8 PEM) of mode
// 600 or stricter. A missing file's error is bad input that still
// satisfies errors.Is(err, os.ErrNotExist): the callers then make the key.
func loadMemoryKey(p string) (ed25519.PrivateKey, error) {
	f, st, err := openRegular(p, maxKeyFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The mode of the file opened (fstat), not of the path: nothing can be
	// swapped in between the check and the read.
	if othersMay(st.Mode()) {
		return nil, fmt.Errorf("%w: Ed25519 key %s has mode %04o: a private key file must not be open to group or others; chmod 600 %s", anchor.ErrBadInput, p, st.Mode().Perm(), p)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 key %s: %w", anchor.ErrBadInput, p, err)
	}
	defer clear(data)
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: Ed25519 key %s: not a PEM PRIVATE KEY", anchor.ErrBadInput, p)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 key %s: %w", anchor.ErrBadInput, p, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: Ed25519 key %s: not an Ed25519 key", anchor.ErrBadInput, p)
	}
	return ek, nil
}

// createMemoryKey makes a new Ed25519 key: the private key (PKCS #8 PEM)
// is created exclusively with mode 600, the public key (PKIX PEM) beside.
func createMemoryKey(mf MemoryFiles) (ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(mf.Key, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 key: %w", anchor.ErrBadInput, err)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(mf.Key)
		return nil, fmt.Errorf("%w: Ed25519 key: %w", anchor.ErrBadInput, err)
	}
	if err := writeMemoryPub(mf.Pub, pub); err != nil {
		return nil, err
	}
	return priv, nil
}

// writeMemoryPub writes the public key Verifiers need (PKIX PEM), mode
// 644, renamed into place as the local log's is: whatever is there (even a
// FIFO) is replaced, never opened.
func writeMemoryPub(p string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Dir(p), filepath.Base(p), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})); err != nil {
		return fmt.Errorf("memory public key: %w", err)
	}
	return nil
}

// parseMemoryPublicKey reads an Ed25519 public key from PEM (PKIX,
// "PUBLIC KEY", as openssl writes it). A private key is refused: a
// verifier has no use for it, and should never be handed one.
func parseMemoryPublicKey(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	switch {
	case b == nil:
		return nil, fmt.Errorf("%w: --memory-key: not PEM", anchor.ErrBadInput)
	case strings.Contains(b.Type, "PRIVATE"):
		return nil, fmt.Errorf("%w: --memory-key: a private key; give the public key (the .memory.pub file)", anchor.ErrBadInput)
	case b.Type != "PUBLIC KEY":
		return nil, fmt.Errorf("%w: --memory-key: PEM %q, not PUBLIC KEY", anchor.ErrBadInput, b.Type)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: --memory-key: %w", anchor.ErrBadInput, err)
	}
	pk, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: --memory-key: not an Ed25519 key", anchor.ErrBadInput)
	}
	return pk, nil
}

// parseSink reads --sink: a 20-byte address, 0x and 40 hex digits.
func parseSink(s string) (common.Address, error) { return parseAddress("--sink", s) }

// parseAddress reads an address flag: 0x and 40 hex digits.
func parseAddress(flagName, s string) (common.Address, error) {
	if !strings.HasPrefix(s, "0x") || !common.IsHexAddress(s) {
		return common.Address{}, fmt.Errorf("%w: %s %q: want 0x and 40 hex digits", ErrUsage, flagName, s)
	}
	return common.HexToAddress(s), nil
}

// EthFlags are the eth target's settings.
type EthFlags struct {
	RPC        string
	KeyFile    string
	KeyEnv     string
	ChainID    uint64
	Sink       string
	Contract   string
	FinalDepth uint64
	MaxFeeGwei uint64
}

// DialEth connects to the RPC endpoint --eth-rpc names, through
// eth.Dial: the URL may hold an API key, so no error, progress line or
// output names it but by EthRPCName. For an http(s) URL nothing is sent
// until the first call.
func DialEth(ctx context.Context, url string) (*ethclient.Client, error) {
	return dialEth(ctx, url, EthRPCName(0, url))
}

func dialEth(ctx context.Context, url, name string) (*ethclient.Client, error) {
	c, err := eth.Dial(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", anchor.ErrBadInput, name, err)
	}
	return c, nil
}

// EthRPCName is how messages name an --eth-rpc endpoint: by its position
// among several (i from 1; 0 for the only one) and its scheme, host and
// port, "…" standing for a path, query or user information left out:
// "--eth-rpc #2 (https://mainnet.infura.io/…)".
func EthRPCName(i int, url string) string {
	if i == 0 {
		return fmt.Sprintf("--eth-rpc (%s)", eth.EndpointName(url))
	}
	return fmt.Sprintf("--eth-rpc #%d (%s)", i, eth.EndpointName(url))
}

// EthTarget builds the eth target on client. With sign, the key comes from
// --eth-key-file or --eth-key-env (exactly one); without (upgrade, which
// only checks anchors), there is no key and the target cannot send.
func EthTarget(ctx context.Context, client eth.Client, f EthFlags, sign bool) (*eth.Anchorer, error) {
	if f.ChainID == 0 {
		return nil, fmt.Errorf("%w: the eth target needs --chain-id", ErrUsage)
	}
	sink, err := parseSink(f.Sink)
	if err != nil {
		return nil, err
	}
	k, err := EthKey(f, sign)
	if err != nil {
		return nil, err
	}
	return eth.New(ctx, client, k, f.ChainID, sink, f.Options())
}

// options are the eth.Options the flags set.
func (f EthFlags) Options() eth.Options {
	opts := eth.Options{FinalDepth: f.FinalDepth}
	if f.MaxFeeGwei != 0 {
		opts.MaxFeePerGas = new(big.Int).Mul(new(big.Int).SetUint64(f.MaxFeeGwei), big.NewInt(1e9))
	}
	return opts
}

// EthEventTarget builds the eth-event target on client: calls to the
// Anchor contract at --contract, whose code eth.NewEvent checks. sign is
// as for EthTarget.
func EthEventTarget(ctx context.Context, client eth.EventClient, f EthFlags, sign bool) (*eth.Anchorer, error) {
	if f.ChainID == 0 {
		return nil, fmt.Errorf("%w: the eth-event target needs --chain-id", ErrUsage)
	}
	if f.Contract == "" {
		return nil, fmt.Errorf("%w: the eth-event target needs --contract (see deploy-contract)", ErrUsage)
	}
	contract, err := parseAddress("--contract", f.Contract)
	if err != nil {
		return nil, err
	}
	k, err := EthKey(f, sign)
	if err != nil {
		return nil, err
	}
	return eth.NewEvent(ctx, client, k, f.ChainID, contract, f.Options())
}

func EthKey(f EthFlags, sign bool) (*ecdsa.PrivateKey, error) {
	if !sign {
		return nil, nil // eth.New without a key: an Anchorer that only checks
	}
	switch {
	case f.KeyFile != "" && f.KeyEnv != "":
		return nil, fmt.Errorf("%w: give --eth-key-file or --eth-key-env, not both", ErrUsage)
	case f.KeyFile != "":
		return eth.LoadKeyFile(f.KeyFile)
	case f.KeyEnv != "":
		return eth.KeyFromEnv(f.KeyEnv)
	}
	return nil, fmt.Errorf("%w: sending to an eth chain (anchor, bump, deploy-contract) needs a key: --eth-key-file or --eth-key-env", ErrUsage)
}

// A TargetSet is the targets a command built, and what it must close.
type TargetSet struct {
	List    []anchor.Anchorer
	Memory  *anchortest.Memory
	closers []func()
}

func (s *TargetSet) Close() {
	for _, c := range s.closers {
		c()
	}
}

// OpenTargets builds the targets --to names. sign is false for upgrade:
// see EthTarget.
func OpenTargets(ctx context.Context, tf TargetFlags, journal string, sign bool, notice io.Writer) (*TargetSet, error) {
	ef := tf.Eth
	kinds, err := ParseTargets(tf.To)
	if err != nil {
		return nil, err
	}
	s := &TargetSet{}
	for _, k := range kinds {
		switch k {
		case KindMemory:
			m, _, err := OpenMemory(journal, notice)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.Memory = m
			s.List = append(s.List, m)
		case KindEth, KindEthEvent:
			if ef.RPC == "" {
				s.Close()
				return nil, fmt.Errorf("%w: the %s target needs --eth-rpc", ErrUsage, k)
			}
			c, err := DialEth(ctx, ef.RPC)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.closers = append(s.closers, c.Close)
			var a *eth.Anchorer
			if k == KindEth {
				a, err = EthTarget(ctx, c, ef, sign)
			} else {
				a, err = EthEventTarget(ctx, c, ef, sign)
			}
			if err != nil {
				s.Close()
				return nil, err
			}
			s.List = append(s.List, a)
		case KindTlog:
			a, _, closeLog, err := OpenTlog(ctx, journal, tf.Tlog, notice)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.closers = append(s.closers, closeLog)
			s.List = append(s.List, a)
		case KindRekor:
			a, err := openRekor(journal, tf.Rekor, tf.Timeout, notice)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.List = append(s.List, a)
		case KindIpfs:
			a, err := openIpfs(tf.Ipfs, tf.Timeout, !sign)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.List = append(s.List, a)
		}
	}
	return s, nil
}

// VerifyFlags are verify's trust material.
type VerifyFlags struct {
	MemoryKey   string
	TlogKeys    []string
	TlogDir     string
	TlogURL     string
	ChainID     uint64
	Sink        string
	Contract    string
	RPCs        []string
	Agree       int
	MinDepth    uint64
	Timeout     time.Duration
	Ipfs        bool
	IpfsGateway string
	KuboAPI     string
}

// Verifiers builds the Verifiers verify's flags name, and says whether
// any of them asks online. With no flag at all it returns none: every
// anchor entry is then could-not-check, never a pass.
func Verifiers(ctx context.Context, f VerifyFlags) ([]anchor.AnchorVerifier, bool, func(), error) {
	var vs []anchor.AnchorVerifier
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	if f.MemoryKey != "" {
		data, err := ReadRegular(f.MemoryKey, maxKeyFile)
		if err != nil {
			return nil, false, closeAll, fmt.Errorf("--memory-key: %w", err)
		}
		pub, err := parseMemoryPublicKey(data)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, anchortest.NewMemoryVerifier(pub, ""))
	}
	tvs, tonline, tclose, err := TlogVerifiers(ctx, f.TlogKeys, f.TlogDir, f.TlogURL, f.Timeout)
	closers = append(closers, tclose)
	if err != nil {
		return nil, false, closeAll, err
	}
	vs = append(vs, tvs...)
	ivs, ionline, err := ipfsVerifiers(f.Ipfs, f.IpfsGateway, f.KuboAPI, f.Timeout)
	if err != nil {
		return nil, false, closeAll, err
	}
	vs = append(vs, ivs...)
	tonline = tonline || ionline
	if (f.ChainID != 0) != (f.Sink != "" || f.Contract != "") {
		return nil, false, closeAll, fmt.Errorf("%w: the eth verifiers need --chain-id with --sink (eth), --contract (eth-event) or both", ErrUsage)
	}
	if len(f.RPCs) > 0 && f.ChainID == 0 {
		return nil, false, closeAll, fmt.Errorf("%w: --eth-rpc needs --chain-id and --sink or --contract", ErrUsage)
	}
	if f.ChainID == 0 {
		return vs, tonline, closeAll, nil
	}
	var sink, contract common.Address
	if f.Sink != "" {
		if sink, err = parseSink(f.Sink); err != nil {
			return nil, false, closeAll, err
		}
	}
	if f.Contract != "" {
		if contract, err = parseAddress("--contract", f.Contract); err != nil {
			return nil, false, closeAll, err
		}
	}
	if len(f.RPCs) == 0 {
		if f.Sink != "" {
			vs = append(vs, eth.NewVerifier(f.ChainID, sink))
		}
		if f.Contract != "" {
			vs = append(vs, eth.NewEventVerifier(f.ChainID, contract))
		}
		return vs, tonline, closeAll, nil
	}
	eps := make([]eth.HeaderReader, len(f.RPCs))
	names := make([]string, len(f.RPCs))
	for i, u := range f.RPCs {
		names[i] = EthRPCName(i+1, u)
		c, err := dialEth(ctx, u, names[i])
		if err != nil {
			return nil, false, closeAll, err
		}
		closers = append(closers, c.Close)
		eps[i] = c
	}
	oo := eth.OnlineOptions{Agree: f.Agree, MinDepth: f.MinDepth, Timeout: f.Timeout, Names: names}
	if f.Sink != "" {
		ov, err := eth.NewOnlineVerifier(f.ChainID, sink, eps, oo)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, ov)
	}
	if f.Contract != "" {
		ov, err := eth.NewEventOnlineVerifier(f.ChainID, contract, eps, oo)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, ov)
	}
	return vs, true, closeAll, nil
}
