package loopbackpki

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

// serverOfNewCA is a new CA and a server certificate it issued.
func serverOfNewCA(t *testing.T) (*CA, tls.Certificate) {
	t.Helper()
	ca, err := NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Server()
	if err != nil {
		t.Fatal(err)
	}
	return ca, server
}

func TestCertificatesVerifyUnderTheCAForTheirUse(t *testing.T) {
	ca, server := serverOfNewCA(t)
	client, err := ca.Client("000013")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		cert  tls.Certificate
		usage x509.ExtKeyUsage
		cn    string
	}{"server": {server, x509.ExtKeyUsageServerAuth, "127.0.0.1"}, "client": {client, x509.ExtKeyUsageClientAuth, "000013"}} {
		leaf, err := x509.ParseCertificate(c.cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if leaf.Subject.CommonName != c.cn {
			t.Errorf("%s: common name %q, want %q", name, leaf.Subject.CommonName, c.cn)
		}
		opts := x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{c.usage}}
		if name == "server" {
			opts.DNSName = "127.0.0.1"
		}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		wrong := x509.ExtKeyUsageClientAuth
		if c.usage == wrong {
			wrong = x509.ExtKeyUsageServerAuth
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{wrong}}); err == nil {
			t.Errorf("%s: verifies for the other use too", name)
		}
	}
	other, err := NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(server.Certificate[0])
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: other.Pool()}); err == nil {
		t.Error("the server certificate verifies under another CA")
	}
}

func TestWriteFilesWritesLoadablePEMPrivateToTheOwner(t *testing.T) {
	ca, server := serverOfNewCA(t)
	dir := t.TempDir()
	if err := ca.WriteFiles(dir, map[string]tls.Certificate{"server": server}); err != nil {
		t.Fatal(err)
	}
	loaded, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if string(loaded.Certificate[0]) != string(server.Certificate[0]) {
		t.Error("server.pem is not the issued certificate")
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if pool := x509.NewCertPool(); !pool.AppendCertsFromPEM(caPEM) {
		t.Error("ca.pem holds no certificate")
	}
	for _, name := range []string{"ca.pem", "server.pem", "server-key.pem"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o", name, info.Mode().Perm())
		}
	}
}
