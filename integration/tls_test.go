package integration_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/internal/testenv"
)

// pki is a throwaway CA with one server and one client certificate.
type pki struct {
	dir                           string
	caFile, serverCert, serverKey string
	clientCert, clientKey         string
	pool                          *x509.CertPool
	server                        tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), pool: x509.NewCertPool()}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	p.pool.AddCert(ca)
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", caDER)

	issue := func(name string, usage x509.ExtKeyUsage) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		keyDER, err := x509.MarshalECPrivateKey(key)
		require.NoError(t, err)
		return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "EC PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = issue("server", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue("client", x509.ExtKeyUsageClientAuth)
	p.server, err = tls.LoadX509KeyPair(p.serverCert, p.serverKey)
	require.NoError(t, err)
	return p
}

func (p *pki) write(t *testing.T, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
	return path
}

// mtlsProxy ends mutual TLS and forwards the bytes to a plain gRPC
// server, standing in for a cluster that requires client certificates.
func mtlsProxy(t *testing.T, p *pki, backend string) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				up, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, conn) }()
				_, _ = io.Copy(conn, up)
			}()
		}
	}()
	return ln.Addr().String()
}

// The worker's and endpoint's Temporal client speaks mutual TLS from
// config, and the endpoint serves HTTPS with its own certificate.
func TestTLSToTemporalAndHTTPS(t *testing.T) {
	p := newPKI(t)
	tp := testenv.StartTemporalProcess(t)
	proxy := mtlsProxy(t, p, tp.Address)

	cfg := config.Config{TemporalAddress: proxy, TemporalNamespace: "default",
		TemporalTLSCA: p.caFile, TemporalTLSCert: p.clientCert, TemporalTLSKey: p.clientKey}
	c, err := app.Dial(cfg, zap.NewNop(), nil, nil)
	require.NoError(t, err)
	_, err = c.CheckHealth(context.Background(), &client.CheckHealthRequest{})
	require.NoError(t, err, "mutual TLS through the proxy")
	c.Close()

	noCert := cfg
	noCert.TemporalTLSCert, noCert.TemporalTLSKey = "", ""
	if c, err := app.Dial(noCert, zap.NewNop(), nil, nil); err == nil {
		_, err = c.CheckHealth(context.Background(), &client.CheckHealthRequest{})
		c.Close()
		assert.Error(t, err, "a client without a certificate is refused")
	}

	port := testenv.FreePort(t)
	testenv.StartProcess(t, filepath.Join(testenv.Binaries(t), "starter"), []string{
		"BATCH_TEMPORAL_ADDRESS=" + proxy, "BATCH_TEMPORAL_TLS_CA=" + p.caFile,
		"BATCH_TEMPORAL_TLS_CERT=" + p.clientCert, "BATCH_TEMPORAL_TLS_KEY=" + p.clientKey,
		"BATCH_HTTP_ADDR=127.0.0.1:" + strconv.Itoa(port),
		"BATCH_HTTP_TLS_CERT=" + p.serverCert, "BATCH_HTTP_TLS_KEY=" + p.serverKey,
		"BATCH_STORE_PATH=" + filepath.Join(t.TempDir(), "batches.db"),
	})
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.pool}}}
	require.Eventually(t, func() bool {
		resp, err := hc.Get("https://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 200*time.Millisecond, "the endpoint serves HTTPS")
}
