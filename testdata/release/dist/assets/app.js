// KMS enclave boot module (test fixture).
export const version = "1.0.0";
document.getElementById("kms").textContent = "ready";
