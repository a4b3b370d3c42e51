// A stand-in for a browser KMS enclave module: the demo's released artifact.
export const version = "1.0.1";

export async function generateKey() {
  return crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
}
