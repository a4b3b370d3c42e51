package eth

import (
	"errors"
	"testing"

	"github.com/ats-run/selfattest/anchor"
	"github.com/ethereum/go-ethereum/common"
)

// FuzzParseEthEntry: ParseEthEntry and VerifyOffline (calldata and event
// verifiers) never panic, and every error wraps one of the sentinels.
func FuzzParseEthEntry(f *testing.F) {
	f.Add([]byte(`{"kind":"eth","target":"eth:1337:5e1f000000000000000000000000000000a77e57","chainId":1337,"from":"0000000000000000000000000000000000000001","nonce":0,"txHash":"` + zeros(64) + `","tx":"02"}`))
	f.Add([]byte(`{"kind":"eth","target":"eth:1:00","chainId":1,"from":"","nonce":0,"txHash":"","tx":"","blockNumber":0,"index":0}`))
	f.Add([]byte(`{"kind":"eth","target":"eth:1337:5e1f000000000000000000000000000000a77e57","chainId":1337,"from":"0000000000000000000000000000000000000001","nonce":0,"txHash":"` + zeros(64) + `","tx":"02","blockHash":"` + zeros(64) + `","blockNumber":1,"header":"c0","index":0,"txProof":"c0","receipt":"c0","receiptProof":"c0"}`))
	f.Add([]byte(`{"kind":"eth-event","target":"eth-event:1337:5e1f000000000000000000000000000000a77e57","chainId":1337,"from":"0000000000000000000000000000000000000001","nonce":0,"txHash":"` + zeros(64) + `","tx":"02"}`))
	f.Add([]byte(`{"kind":"eth-event","target":"eth:1337:5e1f000000000000000000000000000000a77e57","chainId":1337,"from":"0000000000000000000000000000000000000001","nonce":0,"txHash":"` + zeros(64) + `","tx":"02","blockHash":"` + zeros(64) + `","blockNumber":1,"header":"c0","index":0,"txProof":"c0","receipt":"c0","receiptProof":"c0"}`))
	f.Add([]byte(`{"kind":"eth-event","target":"eth-event:1337:5e1f000000000000000000000000000000a77e57","chainId":1337,"from":"0000000000000000000000000000000000000001","nonce":0,"txHash":"` + zeros(64) + `","tx":"02","blockHash":"` + zeros(64) + `","blockNumber":1,"header":"c0","index":0,"txProof":"c0","receipt":"c0","receiptProof":"c0"}`))
	sink := common.HexToAddress("0x5e1f000000000000000000000000000000a77e57")
	v, ev := NewVerifier(1337, sink), NewEventVerifier(1337, sink)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := anchor.ParseEntry(data)
		if err != nil {
			return
		}
		if _, err := ParseEthEntry(e); err != nil && !errors.Is(err, anchor.ErrBadInput) {
			t.Fatalf("ParseEthEntry error wraps no ErrBadInput: %v", err)
		}
		for _, v := range []*Verifier{v, ev} {
			err = v.VerifyOffline(anchor.Hash{}, e)
			if err == nil {
				t.Fatalf("a fuzzed entry verified (%s): %s", v.Kind(), data)
			}
			if !errors.Is(err, anchor.ErrBadInput) && !errors.Is(err, anchor.ErrAnchor) && !errors.Is(err, anchor.ErrPending) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
		}
	})
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}
