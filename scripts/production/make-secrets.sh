#!/usr/bin/env bash
# Makes the secrets of the production shape, once, into SECRETS_DIR (mode 700), and never prints
# them: a certificate authority of the cluster's own, which signs the Temporal frontend's
# certificate and two client certificates (Tenure's, and the one Temporal's worker service shows
# the frontend, whose client it is too), and Tenure's payload encryption key and codec token in
# SECRETS_DIR/encryption.env. Files already there are kept: a new key would leave running
# workflows' payloads unreadable, and new certificates would lock out every client holding the
# old ones. up.sh runs it; for docker-compose.yml run it once on the host (see the README).
#
# Usage: scripts/production/make-secrets.sh SECRETS_DIR
# EC P-256 throughout, which Go (the server), rustls (the Temporal SDK's core) and Node all take.
set -euo pipefail

die() { echo "make-secrets.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 SECRETS_DIR"
command -v openssl >/dev/null || die "openssl is needed to make the cluster's certificates and keys: apt-get install -y openssl"

umask 077
mkdir -p "$1/tls"
secrets=$(cd "$1" && pwd)
tls=$secrets/tls
log=$secrets/openssl.log

if [ ! -f "$tls/ca.pem" ]; then
  echo "== TLS: a certificate authority for the cluster"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=Tenure Temporal CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>>"$log" || die "openssl could not make the CA: see $log"
fi

# issue NAME SUBJECT EXTENSION…: a key and a certificate signed by the CA, valid for a year.
issue() {
  [ -f "$tls/$1.pem" ] && return
  echo "== TLS: $1 certificate"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>>"$log" &&
    openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 365 \
      -extfile <(printf '%s\n' "${@:3}") -out "$tls/$1.pem" 2>>"$log" ||
    die "openssl could not make the $1 certificate: see $log"
  rm -f "$tls/$1.csr"
}
# The names a client may reach the frontend by: loopback on one machine, the service's name in docker-compose.yml.
issue frontend "/CN=temporal-frontend" "subjectAltName=DNS:localhost,DNS:temporal,IP:127.0.0.1" "extendedKeyUsage=serverAuth" "basicConstraints=CA:FALSE"
issue tenure "/CN=tenure" "extendedKeyUsage=clientAuth" "basicConstraints=CA:FALSE"
issue system-worker "/CN=temporal-system-worker" "extendedKeyUsage=clientAuth" "basicConstraints=CA:FALSE"

# Encryption is on in the production shape: the key id says when it was made, for rotation.
if [ ! -f "$secrets/encryption.env" ]; then
  echo "== Tenure: payload encryption key and codec token"
  {
    echo "TENURE_ENCRYPTION_KEYS=prod-$(date -u +%Y%m%d):$(openssl rand -base64 32)"
    echo "TENURE_CODEC_TOKEN=$(openssl rand -hex 32)"
  } >"$secrets/encryption.env.new"
  mv "$secrets/encryption.env.new" "$secrets/encryption.env"
fi
