// A client's address in one spelling, whatever the proxy or client wrote: the rate limit counts each address once.
import { canonicalAddress } from '../src/client-address.js';

describe('canonicalAddress', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['1.2.3.4:5555', '1.2.3.4'],
    [' 1.2.3.4:6666 ', '1.2.3.4'],
    ['001.002.003.004', '1.2.3.4'],
    ['0x1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:0102:0304', '1.2.3.4'],
    ['[::ffff:1.2.3.4]:80', '1.2.3.4'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
  ])('reads %j as %j', (raw, address) => {
    expect(canonicalAddress(raw)).toBe(address);
  });

  it.each([
    '',
    'unknown',
    'client.example',
    '_hidden',
    '1.2.3.4.5',
    '256.1.1.1',
    'a b',
    '[::1',
    '1.2.3.4/x',
    undefined,
  ])('reads %j as no address', (raw) => {
    expect(canonicalAddress(raw)).toBeUndefined();
  });
});
