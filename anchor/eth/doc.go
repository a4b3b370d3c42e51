// Package eth anchors roots on an Ethereum chain by calldata, or by an
// event of a small contract, and verifies the anchors offline from a block
// hash alone: it is the "eth" and "eth-event" kinds of
// [github.com/ats-run/selfattest/anchor].
//
// An [Anchorer] sends, for each root, a 0-value EIP-1559 transaction to a
// sink address whose calldata is [Prefix] ‖ root ([Calldata], 52 bytes).
// Once the transaction is in a block, [Anchorer.Check] returns the complete
// entry: the block header, the transaction, and the Merkle-Patricia proofs
// of the transaction (in the header's transactions trie) and of its receipt
// (in the receipts trie). A [Verifier] checks that entry with no RPC at
// all; an [OnlineVerifier] adds whether the block is canonical, asking k of
// n RPC endpoints. It is built on go-ethereum v1.17.10's library packages
// and lives in its own module so that the root module never links
// go-ethereum.
//
// # Example
//
//	key, err := eth.LoadKeyFile("/etc/selfattest/eth.key") // 64 hex digits, mode 600
//	client, err := eth.Dial(ctx, rpcURL) // errors never show the URL's key
//	a, err := eth.New(ctx, client, key, 1, sink, eth.Options{})
//	outs, err := anchor.Run(ctx, batch.Root(), a) // a pending entry
//	st, err := a.Check(ctx, batch.Root(), outs[0].Entry)
//	// st.State == anchor.StateConfirmed: st.Entry is the complete entry
//	r, err := batch.Receipt(i, st.Entry)
//	// years later, offline, trusting only the block hash in the entry:
//	res, err := anchor.VerifyReceipt(r, evidence, eth.NewVerifier(1, sink))
//	// and whether that block is canonical, at depth >= 64, by 2 of 3 endpoints:
//	ov, err := eth.NewOnlineVerifier(1, sink, []eth.HeaderReader{c1, c2, c3}, eth.OnlineOptions{Agree: 2})
//	res, err = anchor.VerifyReceiptOnline(ctx, r, evidence, ov)
//
// # The entry, kind "eth"
//
// A pending entry ([Anchorer.Anchor]) is
//
//	{
//	  "kind":    "eth",
//	  "target":  "eth:<chain id>:<sink: 40 lowercase hex digits>",
//	  "chainId": 1337,
//	  "from":    "<sender: 40 hex>",
//	  "nonce":   7,
//	  "txHash":  "<64 hex>",
//	  "tx":      "<hex of the signed transaction, its EIP-2718 binary encoding>"
//	}
//
// and the complete entry ([Anchorer.Check], once confirmed) adds
//
//	"blockHash":    "<64 hex: the block, the one value trusted from outside>",
//	"blockNumber":  42,
//	"header":       "<hex of the block header, RLP>",
//	"index":        0,
//	"txProof":      "<hex of an RLP list of trie nodes, root first>",
//	"receipt":      "<hex of the receipt, its EIP-2718 consensus encoding>",
//	"receiptProof": "<hex of an RLP list of trie nodes, root first>"
//
// Binary values are lowercase hex without "0x", as in the receipt format.
// [ParseEthEntry] checks this shape (an error wrapping
// [anchor.ErrBadInput]); what the hex says is evidence, and anything false
// in it is a rejection ([anchor.ErrAnchor], a [*RejectError] naming the
// check, expected and got).
//
// # Verifying offline
//
// [Verifier.VerifyOffline] checks, in order: the target's chain id and
// sink are the verifier's; chainId too; tx decodes, hashes to txHash, is
// for that chain id, to the sink, with calldata [Prefix] ‖ root, at nonce,
// signed by from; for a complete entry, the header hashes to blockHash and
// has blockNumber; txProof proves, against header.TxHash, that the value at
// key RLP(index) is tx; receiptProof proves, against header.ReceiptHash,
// that the value at the same key is receipt; receipt has status 1 and the
// transaction's type. A pending entry that passes the first checks is
// [anchor.ErrPending].
//
// It trusts the block hash and nothing else: whoever holds the receipt
// must learn elsewhere that the hash is a canonical block of the chain,
// deep enough. That is what [OnlineVerifier] asks, of endpoints the
// caller names: each must return that hash from eth_getBlockByNumber at
// the header's number, k of them must agree, and head − number + 1 ≥
// MinDepth (pending below it). Endpoints that disagree, fail or time out
// are [anchor.ErrCouldNotCheck] with every answer in an
// [*EndpointsError]; k endpoints naming another block at that number mean
// the anchor was re-orged out (failed, so rejected).
//
// # Endpoint URLs hold keys
//
// A provider's URL carries an API key (https://mainnet.infura.io/v3/KEY,
// ?apikey=KEY, https://user:password@host/), and go-ethereum's client
// copies the URL into its errors. [Dial] opens a client whose errors name
// the host only; name an endpoint in messages, and in
// [OnlineOptions.Names], by [EndpointName] (https://mainnet.infura.io/…).
// A client opened otherwise (ethclient.DialContext) makes errors of this
// package that may hold the whole URL.
//
// # go-ethereum's part and ours
//
// go-ethereum does: transaction and receipt encoding (types), signing and
// sender recovery (types.SignNewTx, types.Sender), the header hash, the
// trie (trie.Trie filled by types.DeriveSha exactly as a header's TxHash
// and ReceiptHash are computed, then Trie.Prove) and proof checking
// (trie.VerifyProof), RLP. Ours: the entry format and its parser, the
// adapter that lets types.DeriveSha fill a provable trie.Trie (it takes a
// hasher with Reset/Update/Hash), the order of checks, the nonce and fee
// policy, and the k-of-n canonicality vote.
//
// # Anchoring
//
// [New] checks the node's chain id. [Anchorer.Prepare] reads the pending
// nonce, asks the node's tip suggestion and base fee (max fee = 2 × base
// fee + tip, capped by [Options].MaxFeePerGas; a tip above MaxTipPerGas or
// a base fee + tip above the cap is a [*FeeError] and nothing is sent),
// estimates the gas (at most MaxGas) and signs; [Anchorer.Submit] sends a
// prepared entry, and sending it again is the same transaction, so the
// anchor journal (an [anchor.Preparer]'s journal) records each entry
// before it is sent and, after a crash, sends that entry again rather than
// a second anchor. [Anchorer.Anchor] is both, and a second Anchor of the
// same root returns the first entry until [Anchorer.Check] has reported it
// failed.
//
// Check follows the transaction, and then its nonce: failed when the
// receipt's status is 0, when the sender's nonce was used by a
// transaction that is not an anchor of the same root (another transaction
// from the same key), when the transaction is neither mined nor in the
// node's pool and no transaction of the sender waits there at its nonce,
// or when a complete entry's block is not the one the node now has the
// transaction in (a re-org). When the nonce was used by an anchor of the
// same root to the same sink — a replacement — the entry completes from
// that transaction: the complete entry names the transaction that was
// mined. The search is a binary search of the sender's nonce over the
// last 128 blocks (the state a full node keeps), then one block.
//
// [Anchorer.Bump] replaces a stuck anchor (one waiting in the pool, say
// with a fee cap below the base fee) with one at the same nonce and fees
// raised by an eighth, within the caps. Check of the old entry completes
// from the replacement, so the journal need not record the bump, and a
// crash after it anchors nothing twice.
//
// What a node answers for a transaction it does not know was settled
// against geth --dev (TestGethUnknownTransaction): null, which ethclient
// reads as ethereum.NotFound. While its transaction index is being built
// geth answers "transaction indexing is in progress" instead; so does the
// simulated backend, always. Check reads both as not found, and calls an
// anchor dropped only after the pool and the sender's nonce agree.
//
// # Event anchoring
//
// [NewEvent] makes an Anchorer that calls the Anchor contract
// (contract/Anchor.sol, Solidity 0.8.37, compiled by solc-js 0.8.37 and
// embedded: [ContractCreation], [ContractRuntime], [ContractABI];
// contract/SOURCE.md says how, and TestContractReproducible rebuilds it
// byte for byte):
//
//	event Anchored(bytes32 indexed root, address indexed sender);
//	function anchor(bytes32 root) external { emit Anchored(root, msg.sender); }
//
// No storage, no owner: anyone may call it; the entry names the sender
// (from) and the verifier checks that the log's sender is the signer of
// the transaction. [DeployContract] deploys it once per chain (and checks the code at
// the new address); NewEvent refuses an address whose code is not
// [ContractRuntime]. Each anchor is a 0-value EIP-1559 transaction to the
// contract whose calldata is the ABI call anchor(root), [AnchorSelector] ‖
// root ([EventCalldata], 36 bytes). Its entries have the members of kind
// "eth", kind "eth-event" and target
// "eth-event:<chain id>:<contract: 40 lowercase hex digits>"
// ([EventTarget]).
//
// The kind is a kind of its own, not only another target, because
// verifiers are chosen by kind, with a verifier of a kind for every target
// as the fallback ([NewChainVerifier] is one): with one kind, that
// calldata verifier would be handed event entries and would have to reject
// them, where the true answer is that no verifier for them was given
// (could not check). Each verifier also checks the kind first, so an entry
// of one mode offered to the other's verifier is rejected
// ([anchor.ErrAnchor]), and so is one relabelled (its calldata is the
// other mode's).
//
// [NewEventVerifier] checks everything the calldata verifier checks, with
// [EventCalldata] for the calldata (header hash, the transaction and
// receipt proofs, status 1, chain id, to = the contract, data = selector ‖
// root, nonce, sender), and then that the proven receipt holds exactly one
// log, and that it is the contract's: address = the contract, topic0 =
// [AnchoredTopic] (keccak256("Anchored(bytes32,address)")), topic1 =
// root, topic2 = the sender left-padded to 32 bytes, no data.
//
// What the log adds: the calldata proves that the sender's key signed a
// call carrying the root to that address and that it did not revert; a
// call to an address with no code, or with code that ignores its input,
// does that too. A log can be written only by code executing at the
// address it names (the EVM sets it), so the log in the proven receipt
// proves that code at the contract's address ran with this root and this
// caller, and emitted them. It also makes anchors findable without their
// transaction: eth_getLogs by topic finds every anchor of a root, or of a
// sender. What it does not prove offline is which code is at the address:
// the verifier trusts the contract address it is given as the calldata
// verifier trusts its sink (NewEvent and DeployContract check the code
// online; an account proof of the code hash against header.Root would
// prove it offline, and is not done).
//
// [NewEventOnlineVerifier] adds the k-of-n canonicality vote of
// [OnlineVerifier]:
//
//	contract, err := eth.DeployContract(ctx, client, key, 1, eth.Options{}) // once per chain
//	a, err := eth.NewEvent(ctx, client, key, 1, contract, eth.Options{})
//	// anchor.Run, a.Check, batch.Receipt as above; then, offline:
//	res, err := anchor.VerifyReceipt(r, evidence, eth.NewEventVerifier(1, contract))
//	ov, err := eth.NewEventOnlineVerifier(1, contract, []eth.HeaderReader{c1, c2, c3}, eth.OnlineOptions{Agree: 2})
//
// # What this package does not do
//
// It does not prove the contract's code in an event entry (see "Event
// anchoring"). It does not bump fees on its own: a caller (or a program
// such as the archivist) decides when an anchor is stuck and calls Bump.
// It does not keep state of its own across processes: that is the
// journal's. It cannot find the transaction that used an anchor's nonce
// more than 128 blocks back; Check is meant to run while an anchor is
// recent, and says could-not-check rather than guess.
//
// # Tests
//
// On go-ethereum's simulated backend (embedded, no network) and on a real
// geth --dev node on 127.0.0.1 (package ethtest builds geth on first use
// into the version-keyed cache): anchortest.Run for calldata and event
// anchors on both; the tamper table, reverts, re-orgs and the online vote
// on the simulated backend; the crash test TestJournalCrash on geth (a
// child anchoring 10,000 items in 50 batches is killed with SIGKILL 22
// times, after a prepare, after a submit, after a check and at random
// times: every item ends with a receipt that verifies offline and online,
// and the chain holds exactly one transaction per batch).
//
// # Figures
//
// Measured on the simulated backend (TestGasPerItem; gas does not depend on
// the machine): an anchor transaction uses 23,080 gas, the EIP-7623
// calldata floor for 52 bytes of non-zero calldata (21,000 + 10 × 4 × 52).
// A batch anchors one root whatever its size, so gas per item is 23,080 for
// a batch of 1, 23.08 for 1,000 and 0.023 for 1,000,000. The complete entry
// of a block holding one transaction is about 3.4 KB of JSON; its proofs
// grow with the logarithm of the block's transaction count.
//
// Submit to confirmation at depth 1 on geth --dev (BenchmarkGethConfirm,
// a block a second): one block period, as the node mines on a timer; with
// a block per transaction (--dev.period 0), about 65 ms.
//
// Event anchoring (TestEventGasPerItem, same backend): an anchor
// transaction uses 23,303 gas for a root with no zero byte (21,000 + 16 ×
// 36 bytes of calldata + 1,727 of execution, of which LOG3 is 1,500; each
// zero byte of the root saves 12), 223 more than by calldata. Gas per
// item: 23,303 for a batch of 1, 23.30 for 1,000, 0.023 for 1,000,000.
// Deploying the contract, once per chain, uses 92,791 gas (208 bytes of
// creation code, 182 of runtime). The complete entry is about 3.9 KB of
// JSON: the log is in the receipt and in the receipt proof's leaf.
package eth
