package main

// The harness image is FROM scratch: no system CA certificates. harness
// conformance and harness run --scim-url reach servers over HTTPS, so the
// binary carries Mozilla's roots, used only where the system has none.
import _ "golang.org/x/crypto/x509roots/fallback"
