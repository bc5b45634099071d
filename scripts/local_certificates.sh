#!/usr/bin/env bash
# A local certificate authority and one certificate per server, for
# scripts/run.sh's TLS on a developer's machine (OpenSSL only):
#
#   scripts/local_certificates.sh FOLDER SERVICE=HOST...
#
# FOLDER/ca.pem and ca.key: the CA (10 years), made once. FOLDER/SERVICE.pem
# and SERVICE.key: the server's certificate, its common name the service's
# name (what --require_client_cert compares with a service token's subject)
# and its names localhost, 127.0.0.1, ::1 and HOST, for server and client
# authentication alike (mutual TLS between the services). A certificate is
# made again when it is missing, expires within 30 days, was not signed by
# this CA or does not name HOST; otherwise nothing changes, so a second run
# leaves the servers' files as they were. Run before the servers start
# (a running server could read a new key beside its old certificate).
set -euo pipefail
umask 077
folder=$1
shift
mkdir -p "$folder"
ca="$folder/ca"

# Expires within 30 days, or no such file.
expiring() { ! openssl x509 -in "$1" -noout -checkend $((30 * 24 * 3600)) >/dev/null 2>&1; }
# Whether KEY is CERT's (a run cut between the two renames below is not).
matches() {
  [[ "$(openssl x509 -in "$2" -noout -pubkey 2>/dev/null)" == "$(openssl pkey -in "$1" -pubout 2>/dev/null)" ]]
}
# Runs an openssl command quietly, and on failure says what it printed.
quietly() {
  local output
  output=$("$@" 2>&1) || { echo "local_certificates: $1 $2 failed: $output" >&2; exit 1; }
}

if [[ ! -s "$ca.key" ]] || expiring "$ca.pem"; then
  quietly openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$ca.key" -out "$ca.pem" -days 3650 -subj "/CN=Trustsphere local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  echo "local CA made: $ca.pem"
fi

for pair in "$@"; do
  service=${pair%%=*} host=${pair#*=}
  cert="$folder/$service.pem" key="$folder/$service.key"
  # An address's host is an IP (v4, or v6 in brackets) or a DNS name.
  host=${host#\[} host=${host%\]}
  if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then name="IP:$host"; else name="DNS:$host"; fi
  names="DNS:localhost,IP:127.0.0.1,IP:::1"
  [[ ",$names," == *",$name,"* ]] || names+=",$name"
  if [[ -s "$key" ]] && ! expiring "$cert" && matches "$key" "$cert" &&
    openssl verify -CAfile "$ca.pem" "$cert" >/dev/null 2>&1 &&
    [[ "$(cat "$folder/$service.names" 2>/dev/null)" == "$names" ]]; then
    continue
  fi
  quietly openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$key.new" -out "$folder/$service.csr" -subj "/CN=$service"
  quietly openssl x509 -req -in "$folder/$service.csr" -CA "$ca.pem" -CAkey "$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -out "$cert.new" \
    -extfile <(printf '%s\n' "subjectAltName=$names" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth")
  mv "$key.new" "$key"
  mv "$cert.new" "$cert"
  echo "$names" >"$folder/$service.names"
  rm -f "$folder/$service.csr"
  echo "certificate made: $cert ($names)"
done
