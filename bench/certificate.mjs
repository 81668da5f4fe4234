// A throwaway self-signed certificate for 127.0.0.1, made with openssl: the benchmarks' and the tests' HTTPS mock
// Spotify speaks TLS with it, as the real one does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway key and certificate for 127.0.0.1, made now, so the mock Spotify speaks TLS as the real one does. */
export function selfSignedCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'spotify-token-swap-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { stdio: 'ignore' },
  );
  return {
    dir,
    certPath: cert,
    key: readFileSync(key),
    cert: readFileSync(cert),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
