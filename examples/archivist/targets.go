package main

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
	kindMemory   = "memory"
	kindEth      = "eth"
	kindEthEvent = "eth-event"
)

// targetKinds are the kinds --to accepts, as the usage lists them.
var targetKinds = []string{kindMemory, kindEth, kindEthEvent, kindTlog, kindRekor, kindIpfs}

// maxKeyFile bounds a key file read.
const maxKeyFile = 64 << 10

// parseTargets reads --to: a comma-separated list of target kinds, each
// once.
func parseTargets(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: --to: name at least one target (%s)", errUsage, strings.Join(targetKinds, ", "))
	}
	var out []string
	for k := range strings.SplitSeq(s, ",") {
		k = strings.TrimSpace(k)
		switch {
		case !slices.Contains(targetKinds, k):
			return nil, fmt.Errorf("%w: --to: unknown target %q (%s)", errUsage, k, strings.Join(targetKinds, ", "))
		case slices.Contains(out, k):
			return nil, fmt.Errorf("%w: --to: %s named twice", errUsage, k)
		}
		out = append(out, k)
	}
	return out, nil
}

// memoryFiles are the files of the memory target of a journal: its
// ledger, its private key (mode 600) and its public key, beside the
// journal.
type memoryFiles struct{ state, key, pub string }

func memoryFilesOf(journal string) memoryFiles {
	return memoryFiles{state: journal + ".memory.json", key: journal + ".memory.key", pub: journal + ".memory.pub"}
}

// openMemory opens the memory target of a journal, creating its key on
// first use (and saying so on notice). Its ledger lives in a state file,
// so anchors survive from one command to the next.
func openMemory(journal string, notice io.Writer) (*anchortest.Memory, memoryFiles, error) {
	mf := memoryFilesOf(journal)
	key, err := loadMemoryKey(mf.key)
	if errors.Is(err, os.ErrNotExist) {
		key, err = createMemoryKey(mf)
		if err == nil {
			fmt.Fprintf(notice, "archivist: created the memory target's Ed25519 key %s (mode 600); verifiers need its public key %s (--memory-key)\n", mf.key, mf.pub)
		}
	}
	if err != nil {
		return nil, mf, err
	}
	if _, err := os.Lstat(mf.pub); errors.Is(err, os.ErrNotExist) {
		if err := writeMemoryPub(mf.pub, key.Public().(ed25519.PublicKey)); err != nil {
			return nil, mf, err
		}
	}
	m, err := anchortest.NewMemory(key, anchortest.MemoryOptions{StateFile: mf.state})
	return m, mf, err
}

func loadMemoryKey(p string) (ed25519.PrivateKey, error) {
	if _, err := os.Lstat(p); err != nil {
		return nil, err
	}
	f, _, err := openRegular(p, maxKeyFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", anchor.ErrBadInput, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: Ed25519 key %s: mode %v: readable by others; chmod 600", anchor.ErrBadInput, p, st.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 key %s: %w", anchor.ErrBadInput, p, err)
	}
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
func createMemoryKey(mf memoryFiles) (ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(mf.key, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: Ed25519 key: %w", anchor.ErrBadInput, err)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(mf.key)
		return nil, fmt.Errorf("%w: Ed25519 key: %w", anchor.ErrBadInput, err)
	}
	if err := writeMemoryPub(mf.pub, pub); err != nil {
		return nil, err
	}
	return priv, nil
}

// writeMemoryPub writes the public key verifiers need (PKIX PEM).
func writeMemoryPub(p string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("%w: memory public key: %w", anchor.ErrBadInput, err)
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
		return common.Address{}, fmt.Errorf("%w: %s %q: want 0x and 40 hex digits", errUsage, flagName, s)
	}
	return common.HexToAddress(s), nil
}

// ethFlags are the eth target's settings.
type ethFlags struct {
	rpc      string
	keyFile  string
	keyEnv   string
	chainID  uint64
	sink     string
	contract string
	final    uint64
	maxFeeGw uint64
}

// dialEth connects to an RPC endpoint. For an http(s) URL nothing is sent
// until the first call.
func dialEth(ctx context.Context, url string) (*ethclient.Client, error) {
	c, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w: --eth-rpc %s: %w", anchor.ErrBadInput, url, err)
	}
	return c, nil
}

// ethTarget builds the eth target on client. With sign, the key comes from
// --eth-key-file or --eth-key-env (exactly one); without (upgrade, which
// only checks anchors), there is no key and the target cannot send.
func ethTarget(ctx context.Context, client eth.Client, f ethFlags, sign bool) (*eth.Anchorer, error) {
	if f.chainID == 0 {
		return nil, fmt.Errorf("%w: the eth target needs --chain-id", errUsage)
	}
	sink, err := parseSink(f.sink)
	if err != nil {
		return nil, err
	}
	k, err := ethKey(f, sign)
	if err != nil {
		return nil, err
	}
	return eth.New(ctx, client, k, f.chainID, sink, f.options())
}

// options are the eth.Options the flags set.
func (f ethFlags) options() eth.Options {
	opts := eth.Options{FinalDepth: f.final}
	if f.maxFeeGw != 0 {
		opts.MaxFeePerGas = new(big.Int).Mul(new(big.Int).SetUint64(f.maxFeeGw), big.NewInt(1e9))
	}
	return opts
}

// ethEventTarget builds the eth-event target on client: calls to the
// Anchor contract at --contract, whose code eth.NewEvent checks. sign is
// as for ethTarget.
func ethEventTarget(ctx context.Context, client eth.EventClient, f ethFlags, sign bool) (*eth.Anchorer, error) {
	if f.chainID == 0 {
		return nil, fmt.Errorf("%w: the eth-event target needs --chain-id", errUsage)
	}
	if f.contract == "" {
		return nil, fmt.Errorf("%w: the eth-event target needs --contract (see deploy-contract)", errUsage)
	}
	contract, err := parseAddress("--contract", f.contract)
	if err != nil {
		return nil, err
	}
	k, err := ethKey(f, sign)
	if err != nil {
		return nil, err
	}
	return eth.NewEvent(ctx, client, k, f.chainID, contract, f.options())
}

func ethKey(f ethFlags, sign bool) (*ecdsa.PrivateKey, error) {
	if !sign {
		return nil, nil // eth.New without a key: an Anchorer that only checks
	}
	switch {
	case f.keyFile != "" && f.keyEnv != "":
		return nil, fmt.Errorf("%w: give --eth-key-file or --eth-key-env, not both", errUsage)
	case f.keyFile != "":
		return eth.LoadKeyFile(f.keyFile)
	case f.keyEnv != "":
		return eth.KeyFromEnv(f.keyEnv)
	}
	return nil, fmt.Errorf("%w: anchoring at eth needs --eth-key-file or --eth-key-env", errUsage)
}

// A targetSet is the targets a command built, and what it must close.
type targetSet struct {
	list    []anchor.Anchorer
	memory  *anchortest.Memory
	closers []func()
}

func (s *targetSet) close() {
	for _, c := range s.closers {
		c()
	}
}

// openTargets builds the targets --to names. sign is false for upgrade:
// see ethTarget.
func openTargets(ctx context.Context, tf targetFlags, journal string, sign bool, notice io.Writer) (*targetSet, error) {
	ef := tf.eth
	kinds, err := parseTargets(tf.to)
	if err != nil {
		return nil, err
	}
	s := &targetSet{}
	for _, k := range kinds {
		switch k {
		case kindMemory:
			m, _, err := openMemory(journal, notice)
			if err != nil {
				s.close()
				return nil, err
			}
			s.memory = m
			s.list = append(s.list, m)
		case kindEth, kindEthEvent:
			if ef.rpc == "" {
				s.close()
				return nil, fmt.Errorf("%w: the %s target needs --eth-rpc", errUsage, k)
			}
			c, err := dialEth(ctx, ef.rpc)
			if err != nil {
				s.close()
				return nil, err
			}
			s.closers = append(s.closers, c.Close)
			var a *eth.Anchorer
			if k == kindEth {
				a, err = ethTarget(ctx, c, ef, sign)
			} else {
				a, err = ethEventTarget(ctx, c, ef, sign)
			}
			if err != nil {
				s.close()
				return nil, err
			}
			s.list = append(s.list, a)
		case kindTlog:
			a, _, closeLog, err := openTlog(ctx, journal, tf.tlog, notice)
			if err != nil {
				s.close()
				return nil, err
			}
			s.closers = append(s.closers, closeLog)
			s.list = append(s.list, a)
		case kindRekor:
			a, err := openRekor(journal, tf.rekor, tf.timeout, notice)
			if err != nil {
				s.close()
				return nil, err
			}
			s.list = append(s.list, a)
		case kindIpfs:
			a, err := openIpfs(tf.ipfs, tf.timeout, !sign)
			if err != nil {
				s.close()
				return nil, err
			}
			s.list = append(s.list, a)
		}
	}
	return s, nil
}

// verifyFlags are verify's trust material.
type verifyFlags struct {
	memoryKey string
	tlogKeys  []string
	tlogDir   string
	tlogURL   string
	chainID   uint64
	sink      string
	contract  string
	rpcs      []string
	agree     int
	minDepth  uint64
	timeout   time.Duration
	ipfs      bool
	ipfsGW    string
	kuboAPI   string
}

// verifiers builds the verifiers verify's flags name, and says whether
// any of them asks online. With no flag at all it returns none: every
// anchor entry is then could-not-check, never a pass.
func verifiers(ctx context.Context, f verifyFlags) ([]anchor.AnchorVerifier, bool, func(), error) {
	var vs []anchor.AnchorVerifier
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	if f.memoryKey != "" {
		data, err := readRegular(f.memoryKey, maxKeyFile)
		if err != nil {
			return nil, false, closeAll, fmt.Errorf("--memory-key: %w", err)
		}
		pub, err := parseMemoryPublicKey(data)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, anchortest.NewMemoryVerifier(pub, ""))
	}
	tvs, tonline, tclose, err := tlogVerifiers(ctx, f.tlogKeys, f.tlogDir, f.tlogURL, f.timeout)
	closers = append(closers, tclose)
	if err != nil {
		return nil, false, closeAll, err
	}
	vs = append(vs, tvs...)
	ivs, ionline, err := ipfsVerifiers(f.ipfs, f.ipfsGW, f.kuboAPI, f.timeout)
	if err != nil {
		return nil, false, closeAll, err
	}
	vs = append(vs, ivs...)
	tonline = tonline || ionline
	if (f.chainID != 0) != (f.sink != "" || f.contract != "") {
		return nil, false, closeAll, fmt.Errorf("%w: the eth verifiers need --chain-id with --sink (eth), --contract (eth-event) or both", errUsage)
	}
	if len(f.rpcs) > 0 && f.chainID == 0 {
		return nil, false, closeAll, fmt.Errorf("%w: --eth-rpc needs --chain-id and --sink or --contract", errUsage)
	}
	if f.chainID == 0 {
		return vs, tonline, closeAll, nil
	}
	var sink, contract common.Address
	if f.sink != "" {
		if sink, err = parseSink(f.sink); err != nil {
			return nil, false, closeAll, err
		}
	}
	if f.contract != "" {
		if contract, err = parseAddress("--contract", f.contract); err != nil {
			return nil, false, closeAll, err
		}
	}
	if len(f.rpcs) == 0 {
		if f.sink != "" {
			vs = append(vs, eth.NewVerifier(f.chainID, sink))
		}
		if f.contract != "" {
			vs = append(vs, eth.NewEventVerifier(f.chainID, contract))
		}
		return vs, tonline, closeAll, nil
	}
	eps := make([]eth.HeaderReader, len(f.rpcs))
	for i, u := range f.rpcs {
		c, err := dialEth(ctx, u)
		if err != nil {
			return nil, false, closeAll, err
		}
		closers = append(closers, c.Close)
		eps[i] = c
	}
	oo := eth.OnlineOptions{Agree: f.agree, MinDepth: f.minDepth, Timeout: f.timeout}
	if f.sink != "" {
		ov, err := eth.NewOnlineVerifier(f.chainID, sink, eps, oo)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, ov)
	}
	if f.contract != "" {
		ov, err := eth.NewEventOnlineVerifier(f.chainID, contract, eps, oo)
		if err != nil {
			return nil, false, closeAll, err
		}
		vs = append(vs, ov)
	}
	return vs, true, closeAll, nil
}
