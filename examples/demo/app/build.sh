# The demo web app's build: dist/ from this folder. The same source and
# SOURCE_DATE_EPOCH give the same bytes on every machine: the build time
# in the module's banner is SOURCE_DATE_EPOCH, never the clock.
set -eu
mkdir -p dist
{
  printf '// ATS KMS Enclave (demo), built at %s (SOURCE_DATE_EPOCH)\n' "${SOURCE_DATE_EPOCH:?set by the verifier}"
  cat kms.mjs
} > dist/kms.mjs
cp index.html app.css dist/
