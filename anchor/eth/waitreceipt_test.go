package eth

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// deadlineInCallClient answers TransactionReceipt as the simulated
// backend's in-process pipe does when the caller's deadline comes during
// the call: not with ctx.Err() but with the pipe's own "i/o timeout".
type deadlineInCallClient struct{ Client }

func (deadlineInCallClient) TransactionReceipt(ctx context.Context, _ common.Hash) (*types.Receipt, error) {
	<-ctx.Done()
	return nil, &os.PathError{Op: "write", Path: "pipe", Err: os.ErrDeadlineExceeded}
}

// TestWaitReceiptSaysTheDeadline: a receipt wait whose last call fails
// because the deadline came during it reports the deadline
// (context.DeadlineExceeded), keeping the transport's error. Before, the
// transport's error alone came back, and TestDeployContractRefuses failed
// when the deadline fell inside a call rather than between two.
func TestWaitReceiptSaysTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := waitReceipt(ctx, deadlineInCallClient{}, common.Hash{1})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("waitReceipt = %v; want context.DeadlineExceeded, and the transport's error kept", err)
	}
}
