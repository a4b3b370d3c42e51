package eth

import (
	_ "embed" // the compiled contract
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// The contract: contract/Anchor.sol compiled by solc 0.8.37 as
// contract/SOURCE.md says (TestContractReproducible rebuilds it).
var (
	//go:embed contract/Anchor.bin
	creationHex string
	//go:embed contract/Anchor.runtime.bin
	runtimeHex string
	//go:embed contract/Anchor.abi
	contractABI string
)

// ContractCreation returns the creation bytecode of the Anchor contract
// (contract/Anchor.sol): the data of the transaction that deploys it.
func ContractCreation() []byte { return mustHex(strings.TrimSpace(creationHex)) }

// ContractRuntime returns the runtime bytecode of the Anchor contract: the
// code at its address once deployed.
func ContractRuntime() []byte { return mustHex(strings.TrimSpace(runtimeHex)) }

// ContractABI returns the Anchor contract's ABI, as solc wrote it (JSON).
func ContractABI() string { return strings.TrimSpace(contractABI) }

// The contract's function and event, by signature; unexported so that no
// importer can change what the verifier compares with.
var (
	anchorSelector = [4]byte(crypto.Keccak256([]byte("anchor(bytes32)"))[:4])
	anchoredTopic  = crypto.Keccak256Hash([]byte("Anchored(bytes32,address)"))
)

// AnchorSelector returns the selector of anchor(bytes32): the first four
// bytes of keccak256("anchor(bytes32)").
func AnchorSelector() [4]byte { return anchorSelector }

// AnchoredTopic returns topic0 of the event Anchored(bytes32 indexed root,
// address indexed sender): keccak256("Anchored(bytes32,address)").
func AnchoredTopic() common.Hash { return anchoredTopic }
