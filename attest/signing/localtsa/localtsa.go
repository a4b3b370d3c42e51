package localtsa

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Path is the path an [Authority]'s server answers on, as sigstore's
// timestamp-authority serves it.
const Path = "/api/v1/timestamp"

// MaxRequestSize bounds a timestamp request.
const MaxRequestSize = 1 << 16

// Authority is a timestamp authority: its signing key and chain.
type Authority struct {
	key *ecdsa.PrivateKey
	// Chain is the signing certificate, then the root that issued it.
	Chain []*x509.Certificate
}

// Generate makes a new authority named name: a P-256 root and signing
// certificate, valid from notBefore for validity.
func Generate(name string, notBefore time.Time, validity time.Duration) (*Authority, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{name}, CommonName: name + " root"},
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootCert, err := certify(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	// RFC 3161 §2.3: the time-stamping EKU, alone and critical.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		return nil, err
	}
	leaf, err := certify(&x509.Certificate{
		SerialNumber:    big.NewInt(2),
		Subject:         pkix.Name{Organization: []string{name}, CommonName: name},
		NotBefore:       notBefore,
		NotAfter:        notBefore.Add(validity),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}, rootCert, &key.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	return &Authority{key: key, Chain: []*x509.Certificate{leaf, rootCert}}, nil
}

func certify(tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// MarshalPEM returns the authority as PEM: its signing key (PKCS#8), then
// its chain. Keep it as private as the key it holds.
func (a *Authority) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(a.key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, c := range a.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out, nil
}

// ParsePEM reads what [Authority.MarshalPEM] wrote: one PKCS#8 ECDSA key
// whose public key is the first certificate's, and a chain of two.
func ParsePEM(data []byte) (*Authority, error) {
	var a Authority
	for len(data) > 0 {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			if a.key != nil {
				return nil, fmt.Errorf("%w: two private keys", ErrInvalid)
			}
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: a %T key, not ECDSA", ErrInvalid, k)
			}
			a.key = ek
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			a.Chain = append(a.Chain, c)
		default:
			return nil, fmt.Errorf("%w: unexpected PEM block %q", ErrInvalid, b.Type)
		}
	}
	if a.key == nil || len(a.Chain) != 2 {
		return nil, fmt.Errorf("%w: want a key and a chain of 2 certificates, found %d", ErrInvalid, len(a.Chain))
	}
	if !a.key.PublicKey.Equal(a.Chain[0].PublicKey) {
		return nil, fmt.Errorf("%w: the key is not the signing certificate's", ErrInvalid)
	}
	if err := a.Chain[0].CheckSignatureFrom(a.Chain[1]); err != nil {
		return nil, fmt.Errorf("%w: the chain does not verify: %w", ErrInvalid, err)
	}
	return &a, nil
}

// Handler answers POST [Path] with a DER TimeStampResp over the request's
// message imprint, at the time now gives.
func (a *Authority) Handler(now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestSize+1))
		if err != nil || len(body) > MaxRequestSize {
			http.Error(w, "request unreadable or too large", http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              now().UTC(),
			Nonce:             req.Nonce,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
			Accuracy:          time.Second,
			AddTSACertificate: req.Certificates,
			ExtraExtensions:   req.Extensions,
		}
		resp, err := ts.CreateResponseWithOpts(a.Chain[0], a.key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	})
	return mux
}

// Serve answers on 127.0.0.1 until ctx ends or stop is called, and returns
// the URL to POST to (what the signing code's timestamp authority takes).
func (a *Authority) Serve(ctx context.Context, now func() time.Time) (url string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: a.Handler(now), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	done := context.AfterFunc(ctx, func() { srv.Close() })
	stop = func() {
		done()
		srv.Close()
	}
	return "http://" + l.Addr().String() + Path, stop, nil
}

// TrustedAuthority is the authority as a trusted root names it, valid from
// its signing certificate's start, with uri as its URI.
func (a *Authority) TrustedAuthority(uri string) *root.SigstoreTimestampingAuthority {
	return &root.SigstoreTimestampingAuthority{
		Root: a.Chain[1], Leaf: a.Chain[0], URI: uri, ValidityPeriodStart: a.Chain[0].NotBefore,
	}
}
