// Comparing a presented secret (a state, a client secret, a PKCE challenge) with the expected one in constant time.
import { timingSafeEqual } from 'node:crypto';

export function equalStrings(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
