package eth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/ats-run/selfattest/internal/toolcache"
)

// solcVersion is the solc-js release the contract is compiled with.
const solcVersion = "0.8.37"

// solcjs returns the path of solc-js solcVersion's command, installing it
// on first use (npm install solc@solcVersion) into
// ${XDG_CACHE_HOME:-~/.cache}/selfattest/solc/<version>/. Test processes
// run in parallel, so it holds a lock beside that folder: the first
// installs, the others wait and find it installed. npm installs into a
// scratch folder beside it, renamed into place once complete, so a
// half-done install is never taken for one. It fails the test, never
// skips it, when npm is missing.
func solcjs(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("solc cache: %v", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	parent := filepath.Join(cache, "selfattest", "solc")
	dir := filepath.Join(parent, solcVersion)
	bin := filepath.Join(dir, "node_modules", ".bin", "solcjs")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatalf("solc cache: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	unlock, err := toolcache.Lock(ctx, filepath.Join(parent, solcVersion+".lock"))
	if err != nil {
		t.Fatalf("solc cache: lock: %v", err)
	}
	defer unlock()
	if installed(dir) {
		t.Logf("solc-js %s: %s", solcVersion, bin)
		return bin
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("TestContractReproducible needs npm (Node.js) to install solc-js %s into %s: %v", solcVersion, dir, err)
	}
	scratch, err := os.MkdirTemp(parent, solcVersion+".install-")
	if err != nil {
		t.Fatalf("solc cache: %v", err)
	}
	defer os.RemoveAll(scratch)
	if err := os.Chmod(scratch, 0o755); err != nil {
		t.Fatalf("solc cache: %v", err)
	}
	t.Logf("installing solc-js %s into %s (npm install solc@%s)", solcVersion, dir, solcVersion)
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", scratch, "--no-audit", "--no-fund", "--save-exact", "solc@"+solcVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install solc@%s: %v\n%s", solcVersion, err, out)
	}
	if !installed(scratch) {
		t.Fatalf("npm install solc@%s left no solcjs of version %s in %s", solcVersion, solcVersion, scratch)
	}
	if err := os.RemoveAll(dir); err != nil { // an incomplete install from before
		t.Fatalf("solc cache: %v", err)
	}
	if err := os.Rename(scratch, dir); err != nil {
		t.Fatalf("solc cache: %v", err)
	}
	return bin
}

// installed reports whether dir holds solc-js of solcVersion.
func installed(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "solcjs")); err != nil {
		return false
	}
	data, err := os.ReadFile(filepath.Join(dir, "node_modules", "solc", "package.json"))
	if err != nil {
		return false
	}
	var pkg struct{ Version string }
	return json.Unmarshal(data, &pkg) == nil && pkg.Version == solcVersion
}

// compiled is what solc writes for the contract.
type compiled struct {
	abi, creation, runtime []byte
}

// compile compiles contract/Anchor.sol with solc-js's standard JSON
// interface and the settings of contract/solc-settings.json.
func compile(t *testing.T) compiled {
	t.Helper()
	src, err := os.ReadFile("contract/Anchor.sol")
	if err != nil {
		t.Fatal(err)
	}
	settings, err := os.ReadFile("contract/solc-settings.json")
	if err != nil {
		t.Fatal(err)
	}
	in, err := json.Marshal(map[string]any{
		"language": "Solidity",
		"sources":  map[string]any{"Anchor.sol": map[string]string{"content": string(src)}},
		"settings": json.RawMessage(settings),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, solcjs(t), "--standard-json")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("solcjs --standard-json: %v\n%s", err, stderr.Bytes())
	}
	// solc-js prints notes (">>> Cannot retry compilation with SMT ...")
	// on stdout before the JSON.
	if i := bytes.Index(out, []byte("\n{")); !bytes.HasPrefix(out, []byte("{")) && i >= 0 {
		t.Logf("solcjs: %s", bytes.TrimSpace(out[:i]))
		out = out[i+1:]
	}
	var res struct {
		Errors []struct {
			Severity, FormattedMessage string
		}
		Contracts map[string]map[string]struct {
			ABI json.RawMessage
			EVM struct {
				Bytecode, DeployedBytecode struct{ Object string }
			}
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("solcjs output: %v\n%.2000s", err, out)
	}
	for _, e := range res.Errors {
		t.Errorf("solc %s: %s", e.Severity, e.FormattedMessage) // a warning too: the contract compiles clean
	}
	c, ok := res.Contracts["Anchor.sol"]["Anchor"]
	if !ok {
		t.Fatalf("solcjs output has no Anchor.sol:Anchor")
	}
	return compiled{
		abi:      append(append([]byte{}, c.ABI...), '\n'),
		creation: []byte(c.EVM.Bytecode.Object + "\n"),
		runtime:  []byte(c.EVM.DeployedBytecode.Object + "\n"),
	}
}

// TestContractReproducible recompiles contract/Anchor.sol with solc-js
// 0.8.37 (installed on first use) and the committed settings, and compares
// the result byte for byte with the committed bytecode and ABI, which are
// what the package embeds.
func TestContractReproducible(t *testing.T) {
	c := compile(t)
	for _, f := range []struct {
		name string
		got  []byte
	}{{"Anchor.abi", c.abi}, {"Anchor.bin", c.creation}, {"Anchor.runtime.bin", c.runtime}} {
		want, err := os.ReadFile(filepath.Join("contract", f.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.got, want) {
			t.Errorf("contract/%s differs from solc %s's output:\ncommitted %q\ncompiled  %q", f.name, solcVersion, want, f.got)
		}
	}
	// The embedded copies are these files.
	if hex.EncodeToString(ContractCreation())+"\n" != string(c.creation) || hex.EncodeToString(ContractRuntime())+"\n" != string(c.runtime) || ContractABI()+"\n" != string(c.abi) {
		t.Errorf("the embedded contract is not solc's output")
	}
}

// TestContractABI: the selector and topic the verifier uses, computed from
// their signatures, are those of the committed ABI (read by go-ethereum's
// abi package) and those solc put in the runtime bytecode.
func TestContractABI(t *testing.T) {
	sel, topic := AnchorSelector(), AnchoredTopic()
	a, err := abi.JSON(strings.NewReader(ContractABI()))
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := a.Methods["anchor"]; !ok || !bytes.Equal(m.ID, sel[:]) || len(a.Methods) != 1 {
		t.Errorf("ABI methods %v; want only anchor with selector %x", a.Methods, sel)
	}
	if e, ok := a.Events["Anchored"]; !ok || e.ID != topic || len(a.Events) != 1 {
		t.Errorf("ABI events %v; want only Anchored with topic %s", a.Events, topic.Hex())
	}
	// Literal values, as solc put them in the bytecode (PUSH4, PUSH32).
	if hex.EncodeToString(sel[:]) != "eecdf927" {
		t.Errorf("selector %x", sel)
	}
	if topic != common.HexToHash("0xcdfd8c88d25a86e1d49452dc0ae55de56801c9cf37d5b930dc3893c32d5e0b1e") {
		t.Errorf("topic %s", topic.Hex())
	}
	rt := ContractRuntime()
	if !bytes.Contains(rt, append([]byte{0x63}, sel[:]...)) || !bytes.Contains(rt, append([]byte{0x7f}, topic[:]...)) {
		t.Errorf("the runtime does not PUSH4 the selector and PUSH32 the topic")
	}
}
