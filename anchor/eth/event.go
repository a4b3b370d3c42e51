package eth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/ats-run/selfattest/anchor"
)

// EventKind is the kind of the entries an event [Anchorer] ([NewEvent])
// makes and an event [Verifier] ([NewEventVerifier]) verifies. The
// members are those of kind "eth"; the claim is stronger (the contract
// ran and emitted the root), so it is a kind of its own: a receipt's
// verifiers are chosen by kind, and a verifier of kind "eth" is never
// handed an event entry, nor the other way round.
const EventKind = "eth-event"

// EventCalldata returns the calldata of an event anchor of root: the ABI
// call anchor(root), [AnchorSelector] ‖ root, 36 bytes.
func EventCalldata(root anchor.Hash) []byte {
	return append(anchorSelector[:], root[:]...)
}

// EventTarget returns the name of the target that anchors by calls to the
// Anchor contract at contract on chain chainID:
// "eth-event:<chainID>:<contract, 40 lowercase hex digits>". It differs
// from every [Target], so an entry of one mode never passes for the
// other's.
func EventTarget(chainID uint64, contract common.Address) string {
	return targetOf(EventKind, chainID, contract)
}

// payload is the calldata of an anchor of root: [EventCalldata] in event
// mode, else [Calldata].
func payload(event bool, root anchor.Hash) []byte {
	if event {
		return EventCalldata(root)
	}
	return Calldata(root)
}

// payload is the calldata of a's anchor of root.
func (a *Anchorer) payload(root anchor.Hash) []byte { return payload(a.event, root) }

// An EventClient is a [Client] that also reads an account's code, as
// go-ethereum's *ethclient.Client and the simulated backend's client do.
type EventClient interface {
	Client
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
}

// NewEvent returns an Anchorer that anchors each root by calling
// anchor(root) on the Anchor contract at contract ([DeployContract]), on
// chain chainID, from key's address: a 0-value EIP-1559 transaction to
// contract with calldata [EventCalldata]. Its entries are of kind
// [EventKind], its target [EventTarget]; everything else is as [New]. It
// refuses (an error wrapping [anchor.ErrBadInput]) a contract address
// whose code, at the node's head, is not [ContractRuntime]: a call to
// other code would not emit the event the verifier requires.
func NewEvent(ctx context.Context, client EventClient, key *ecdsa.PrivateKey, chainID uint64, contract common.Address, opts Options) (*Anchorer, error) {
	if client == nil {
		return nil, &anchor.FormatError{Field: "eth.NewEvent", Reason: "nil client"}
	}
	a, err := New(ctx, client, key, chainID, contract, opts)
	if err != nil {
		return nil, err
	}
	code, err := client.CodeAt(ctx, contract, nil)
	if err != nil {
		return nil, couldNotCheck("contract code", err)
	}
	if !bytes.Equal(code, ContractRuntime()) {
		return nil, &anchor.FormatError{Field: "eth event contract " + contract.Hex(), Reason: "its code is not the Anchor contract's (" + strconv.Itoa(len(code)) + " bytes)"}
	}
	a.event, a.name = true, EventTarget(chainID, contract)
	return a, nil
}

// NewEventVerifier returns the offline verifier of entries of chain
// chainID anchored by the Anchor contract at contract (kind [EventKind]).
// It checks what a calldata [Verifier] checks, with [EventCalldata] for
// calldata, and that the proven receipt holds the contract's event: see
// "Event anchoring" in the package documentation.
func NewEventVerifier(chainID uint64, contract common.Address) *Verifier {
	return &Verifier{chainID: chainID, sink: contract, event: true}
}

// NewEventOnlineVerifier is [NewOnlineVerifier] for the entries of an
// event [Anchorer]: [NewEventVerifier], then the endpoints' vote.
func NewEventOnlineVerifier(chainID uint64, contract common.Address, endpoints []HeaderReader, opts OnlineOptions) (*OnlineVerifier, error) {
	o, err := NewOnlineVerifier(chainID, contract, endpoints, opts)
	if err != nil {
		return nil, err
	}
	o.Verifier = NewEventVerifier(chainID, contract)
	return o, nil
}

// checkEventLog checks that the receipt r, of a call to contract by
// sender, holds the log anchor(root) emits and nothing else: exactly one
// log, from contract, with topics [AnchoredTopic], root and sender (left
// padded to 32 bytes), and no data.
func checkEventLog(r *types.Receipt, contract common.Address, root anchor.Hash, sender common.Address) error {
	if len(r.Logs) != 1 {
		return reject("event: receipt logs", "1", strconv.Itoa(len(r.Logs)), nil)
	}
	l := r.Logs[0]
	if l.Address != contract {
		return reject("event: log address", hex.EncodeToString(contract[:]), hex.EncodeToString(l.Address[:]), nil)
	}
	if len(l.Topics) != 3 {
		return reject("event: log topics", "3", strconv.Itoa(len(l.Topics)), nil)
	}
	for i, want := range []common.Hash{anchoredTopic, common.Hash(root), common.BytesToHash(sender[:])} {
		if l.Topics[i] != want {
			return reject("event: log topic"+strconv.Itoa(i)+" ("+[]string{"Anchored(bytes32,address)", "root", "sender"}[i]+")",
				hex.EncodeToString(want[:]), hex.EncodeToString(l.Topics[i][:]), nil)
		}
	}
	if len(l.Data) != 0 {
		return reject("event: log data", "none", hex.EncodeToString(l.Data), nil)
	}
	return nil
}
