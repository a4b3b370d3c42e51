package ipfs

import "net/http"

// Hooks for the external benchmarks.

// WriteBlockFile writes data to a new file in dir as s writes a block
// (directly or through the page cache: see Store.writeTemp) and returns
// its name.
func (s *Store) WriteBlockFile(dir string, data []byte) (string, error) {
	return s.writeTemp(dir, data)
}

// Buffered makes s write every block through the page cache, as on a
// file system without O_DIRECT.
func (s *Store) Buffered() { s.noDirect.Store(true) }

// AlignedBuffer returns n bytes aligned as the chunk buffers are.
func AlignedBuffer(n int) []byte { return alignedBuffer(n) }

// TransportOf returns the transport p's calls go through, below the
// bounds p adds.
func TransportOf(p *PinningService) http.RoundTripper {
	_, bt := p.api()
	return bt.base
}
