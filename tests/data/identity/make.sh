#!/usr/bin/env bash
# Writes the identities tests/identity.rs reads, with OpenSSL (not with this
# crate, so that the files are another implementation's encoding): for RSA,
# P-256, P-384 and Ed25519 a self-signed application instance certificate
# (PEM and DER) and its key as PKCS#8, PKCS#1 (RSA) or SEC1 (EC), in PEM and
# DER; a CA and a leaf it signed, in one PEM file; and encrypted keys.
# Usage: bash tests/data/identity/make.sh   (rewrites the files beside it)
set -euo pipefail
cd "$(dirname "$0")"
rm -f -- *.pem *.der
uri="urn:uasc:test:identity"
cert() { # name key-file
    openssl req -x509 -new -key "$2" -out "$1.cert.pem" -days 3650 -subj "/CN=uasc identity test $1" \
        -addext "subjectAltName=URI:$uri,DNS:localhost,IP:127.0.0.1" \
        -addext "keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment" \
        -addext "extendedKeyUsage=serverAuth,clientAuth" -sha256
    openssl x509 -in "$1.cert.pem" -outform DER -out "$1.cert.der"
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pkcs8.pem
openssl pkcs8 -topk8 -nocrypt -in rsa.pkcs8.pem -outform DER -out rsa.pkcs8.der
openssl rsa -in rsa.pkcs8.pem -traditional -out rsa.pkcs1.pem
openssl rsa -in rsa.pkcs8.pem -traditional -outform DER -out rsa.pkcs1.der
cert rsa rsa.pkcs8.pem

for curve in P-256 P-384; do
    name=$(echo "$curve" | tr -d - | tr 'P' 'p')
    # ecparam writes an EC PARAMETERS block before the EC PRIVATE KEY.
    openssl ecparam -name "$(echo "$curve" | sed 's/P-256/prime256v1/; s/P-384/secp384r1/')" -genkey -out "$name.sec1.pem"
    openssl ec -in "$name.sec1.pem" -outform DER -out "$name.sec1.der"
    openssl pkcs8 -topk8 -nocrypt -in "$name.sec1.pem" -out "$name.pkcs8.pem"
    openssl pkcs8 -topk8 -nocrypt -in "$name.sec1.pem" -outform DER -out "$name.pkcs8.der"
    cert "$name" "$name.pkcs8.pem"
done

openssl genpkey -algorithm ED25519 -out ed25519.pkcs8.pem
openssl pkcs8 -topk8 -nocrypt -in ed25519.pkcs8.pem -outform DER -out ed25519.pkcs8.der
openssl req -x509 -new -key ed25519.pkcs8.pem -out ed25519.cert.pem -days 3650 \
    -subj "/CN=uasc identity test ed25519" -addext "subjectAltName=URI:$uri"
openssl x509 -in ed25519.cert.pem -outform DER -out ed25519.cert.der

# A CA and a leaf it signed (the leaf's key is rsa.pkcs8.pem), leaf first.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.pkcs8.pem
openssl req -x509 -new -key ca.pkcs8.pem -out ca.cert.pem -days 3650 -subj "/CN=uasc identity test CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -sha256
openssl req -new -key rsa.pkcs8.pem -subj "/CN=uasc identity test leaf" -out leaf.csr
printf 'subjectAltName=URI:%s\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$uri" >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.cert.pem -CAkey ca.pkcs8.pem -set_serial 2 -days 3650 -sha256 \
    -extfile leaf.ext -out leaf.cert.pem
cat leaf.cert.pem ca.cert.pem >chain.cert.pem
rm -f leaf.csr leaf.ext leaf.cert.pem ca.pkcs8.pem ca.cert.pem

# Encrypted keys (password "uasc"): PKCS#8 and OpenSSL's legacy PEM encryption.
openssl pkcs8 -topk8 -in rsa.pkcs8.pem -passout pass:uasc -out rsa.pkcs8.encrypted.pem
openssl rsa -in rsa.pkcs8.pem -traditional -aes128 -passout pass:uasc -out rsa.pkcs1.encrypted.pem

# ECC application certificates that are no CA, one claiming key and data
# encipherment (which an ECC key cannot do) and one not: P-256, self-signed.
for usage in encipherment signing; do
    ku="digitalSignature,nonRepudiation"
    [ "$usage" = encipherment ] && ku="$ku,keyEncipherment,dataEncipherment"
    openssl req -x509 -new -key p256.pkcs8.pem -out "p256.$usage.cert.pem" -days 3650 \
        -subj "/CN=uasc identity test p256 $usage" -sha256 \
        -addext "basicConstraints=critical,CA:false" \
        -addext "subjectAltName=URI:$uri,DNS:localhost,IP:127.0.0.1" \
        -addext "keyUsage=critical,$ku" -addext "extendedKeyUsage=serverAuth,clientAuth"
    openssl x509 -in "p256.$usage.cert.pem" -outform DER -out "p256.$usage.cert.der"
    rm -f "p256.$usage.cert.pem"
done
