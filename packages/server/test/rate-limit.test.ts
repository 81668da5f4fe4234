// express-rate-limit's own warnings and errors reach the JSON log as their code alone: their messages can quote a
// client's X-Forwarded-For or a store's connection details.
import { pino } from 'pino';
import { rateLimitLogger } from '../src/rate-limit.js';

it('logs express-rate-limit warnings and errors by their code, with none of their text', () => {
  const lines: string[] = [];
  const logger = rateLimitLogger(pino({ level: 'info' }, { write: (line: string) => lines.push(line) }));
  const quoting = Object.assign(new Error("An invalid 'request.ip' (client-written-text) was detected"), {
    code: 'ERR_ERL_INVALID_IP_ADDRESS',
  });
  logger.warn(quoting);
  logger.error(Object.assign(new Error('redis://user:store-password@host'), { code: 'not an ERL code' }));
  const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(events).toEqual([
    expect.objectContaining({ level: 40, event: 'rate_limit', code: 'ERR_ERL_INVALID_IP_ADDRESS' }),
    expect.objectContaining({ level: 50, event: 'rate_limit', code: 'Error' }),
  ]);
  expect(lines.join('')).not.toMatch(/client-written-text|store-password/);
});
