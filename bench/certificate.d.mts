// The types of certificate.mjs, for the tests that import it.
export interface SelfSignedCertificate {
  /** The folder holding key.pem and cert.pem. */
  dir: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
  remove(): void;
}

export function selfSignedCertificate(): SelfSignedCertificate;
