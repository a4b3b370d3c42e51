package eth_test

import (
	"fmt"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ats-run/selfattest/anchor/eth"
	"github.com/ethereum/go-ethereum/common"
)

func ExampleTarget() {
	sink := common.HexToAddress("0x5E1F000000000000000000000000000000A77E57")
	fmt.Println(eth.Target(1, sink))
	// Output: eth:1:5e1f000000000000000000000000000000a77e57
}

func ExampleCalldata() {
	var root anchor.Hash // a batch's root: anchor.NewBatch(items).Root()
	root[31] = 1
	data := eth.Calldata(root)
	fmt.Printf("%d bytes: %q ‖ %x\n", len(data), data[:len(eth.Prefix)], data[len(eth.Prefix):])
	// Output: 52 bytes: "selfattest/anchor/v1" ‖ 0000000000000000000000000000000000000000000000000000000000000001
}

func ExampleEventTarget() {
	contract := common.HexToAddress("0x5E1F000000000000000000000000000000A77E57")
	fmt.Println(eth.EventTarget(1, contract))
	// Output: eth-event:1:5e1f000000000000000000000000000000a77e57
}

func ExampleEventCalldata() {
	var root anchor.Hash // a batch's root: anchor.NewBatch(items).Root()
	root[31] = 1
	data := eth.EventCalldata(root)
	fmt.Printf("%d bytes: anchor(bytes32) selector %x ‖ %x\n", len(data), data[:4], data[4:])
	// Output: 36 bytes: anchor(bytes32) selector eecdf927 ‖ 0000000000000000000000000000000000000000000000000000000000000001
}
