// The body rules every door shares, as pure functions: the media type and charset read from a header, form fields
// (a field given twice is no single string), and the JSON that is or is not a record of fields. End to end, through
// each door, they are in request-parsing.test.ts and the door cases.
import {
  contentType,
  formFields,
  identityEncoding,
  optionalString,
  parseBody,
  requiredString,
} from '../../src/core/fields.js';

describe('contentType', () => {
  it.each([
    [undefined, { type: '', utf8: true }],
    ['application/x-www-form-urlencoded', { type: 'application/x-www-form-urlencoded', utf8: true }],
    ['Application/JSON; charset="UTF-8"', { type: 'application/json', utf8: true }],
    ['application/json; charset=utf8', { type: 'application/json', utf8: true }],
    ['application/json; charset=latin1', { type: 'application/json', utf8: false }],
    ['text/plain;charset=utf-8', { type: 'text/plain', utf8: true }],
  ])('reads %j', (header, expected) => {
    expect(contentType(header)).toEqual(expected);
  });

  it('takes only identity as an encoding', () => {
    expect([undefined, 'identity', 'IDENTITY', 'gzip'].map((header) => identityEncoding(header))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('fields', () => {
  it('reads a form, a field given twice as a list, and __proto__ as a field like any other', () => {
    const fields = formFields('code=a+b%21&x=1&x=2&__proto__=p');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(Object.entries(fields)).toEqual([
      ['code', 'a b!'],
      ['x', ['1', '2']],
      ['__proto__', 'p'],
    ]);
    expect(() => optionalString(fields, 'x')).toThrow(expect.objectContaining({ reason: 'field_malformed' }));
  });

  it('treats an empty or null field as a missing one', () => {
    const fields = parseBody('application/json', '{"code":"","verifier":null,"refresh_token":"r"}');
    expect(optionalString(fields, 'code')).toBeUndefined();
    expect(optionalString(fields, 'verifier')).toBeUndefined();
    expect(requiredString(fields, 'refresh_token')).toBe('r');
    expect(() => requiredString(fields, 'code')).toThrow(expect.objectContaining({ reason: 'field_missing' }));
  });

  it.each(['[1,2]', '"code"', '42', 'null', '{'])('refuses the JSON body %s with a 400', (text) => {
    expect(() => parseBody('application/json', text)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_request', reason: 'body_malformed' }),
    );
  });
});
