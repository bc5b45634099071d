#!/usr/bin/env bash
# Verifies an exported recommendation offline, with OpenSSL only.
#   scripts/verify_recommendation.sh JWS_FILE PUBLIC_KEY_BASE64
# JWS_FILE holds the `jws` of ExportSignedRecommendation; PUBLIC_KEY_BASE64 is
# the `public_key` of RecommendationService/GetPublicKeys (base64, as JSON
# clients print bytes). Prints the signed payload and exits 0 when the
# signature holds, non-zero otherwise.
set -euo pipefail
jws=$(tr -d '\n' <"$1")
key=$2

header=${jws%%.*}
rest=${jws#*.}
payload=${rest%%.*}
signature=${rest#*.}

base64url_decode() {
  local text=${1//-/+}
  text=${text//_//}
  while ((${#text} % 4)); do text+="="; done
  printf '%s' "$text" | base64 -d
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s' "$header.$payload" >"$work/signed"
base64url_decode "$signature" >"$work/signature"
# An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte DER prefix + the raw key.
{
  printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'
  printf '%s' "$key" | base64 -d
} >"$work/key.der"
openssl pkey -pubin -inform DER -in "$work/key.der" -out "$work/key.pem"
openssl pkeyutl -verify -pubin -inkey "$work/key.pem" -rawin -in "$work/signed" \
  -sigfile "$work/signature" >&2
base64url_decode "$payload"
echo
