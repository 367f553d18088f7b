package cli

import (
	"github.com/spf13/pflag"

	"github.com/provsim/provsim/internal/certs"
)

// TLS defines a server's HTTPS flags on fs, into o: an HTTPS listener
// beside the plain one, with a given certificate or one issued by a local
// authority kept with --data-dir (docs/state.md, "HTTPS").
func TLS(fs *pflag.FlagSet, o *certs.Options) {
	fs.StringVar(&o.Addr, "tls-addr", "", "also serve HTTPS on `HOST:PORT` (e.g. :8443, or :443 for org URLs without a port)")
	fs.StringVar(&o.CertFile, "tls-cert", "", "HTTPS certificate (PEM `FILE`, chain first); default: one issued by a local CA kept with --data-dir")
	fs.StringVar(&o.KeyFile, "tls-key", "", "private key of --tls-cert (PEM `FILE`)")
	fs.Var(NewList(&o.Hosts), "tls-host", "more DNS names or IP addresses the issued certificate covers (besides localhost, 127.0.0.1, ::1 and the --public-url host); repeat or separate with commas")
	fs.StringVar(&o.CAFile, "tls-ca-file", "", "write the local CA's certificate, the file clients trust, to `FILE` (default: DIR/tls/ca.pem with --data-dir, else a temporary file; printed at start)")
	Files(fs, "tls-cert", "pem", "crt")
	Files(fs, "tls-key", "pem", "key")
	Files(fs, "tls-ca-file", "pem", "crt")
}
