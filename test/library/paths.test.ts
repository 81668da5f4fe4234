// The one rule by which every door finds a request's route: the path as a URL parser resolves it, then any case and
// one trailing slash, the query ignored. The shared door cases check that every door follows it.
import { pathOf, queryOf } from '../../src/core/paths.js';

describe('pathOf', () => {
  it.each([
    ['/swap', '/swap'],
    ['/swap/', '/swap'],
    ['/SWAP', '/swap'],
    ['/swap//', '/swap/'],
    ['/Refresh/?x=1', '/refresh'],
    ['/swap?redirect=/x/', '/swap'],
    ['/swap#x', '/swap'],
    ['/', '/'],
    ['/?code=abc', '/'],
    ['/check/', '/check'],
    ['/check/app.js', '/check/app.js'],
    ['http://token.example/swap?x=1', '/swap'],
    ['https://token.example', '/'],
    // What a URL parser resolves, as Fetch runtimes hand requests over: dot segments, their encoded forms, `\`.
    ['/x/../swap', '/swap'],
    ['/x/%2e%2E/swap', '/swap'],
    ['/./swap', '/swap'],
    ['/../../swap', '/swap'],
    ['/spotify\\swap', '/spotify/swap'],
    ['/sp%C3%B6tify/swap', '/sp%c3%b6tify/swap'],
    ['/spötify/swap', '/sp%c3%b6tify/swap'],
    // Hosts that a URL parser refuses still have a path: Deno hands `Host: a:99999` over as it came.
    ['http://a:99999/swap', '/swap'],
    ['http://a b/swap', '/swap'],
    ['*', undefined],
    ['', undefined],
    ['swap', undefined],
  ])('%s is matched as %s', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });
});

describe('queryOf', () => {
  it.each([
    ['/?state=a%20b&x=1', 'state=a+b&x=1'],
    ['/callback?code=c#frag', 'code=c'],
    ['http://h:99999/?state=s', 'state=s'],
    ['/no-query', ''],
    ['*', ''],
  ])('%s has the query %s', (target, query) => {
    expect(queryOf(target).toString()).toBe(query);
  });
});
