// Every relative link in each package's README and the pages it ships resolves to a file in that package's tarball,
// and every link to a heading finds it: a reader who installed the package can follow each one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { root } from '../helpers/packed.js';

/** The files `npm pack` would put in the package's tarball. */
function packed(folder: string): string[] {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: folder, encoding: 'utf8' }),
  ) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path);
}

/** A heading's anchor as GitHub and the registry make it. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(markdown: string): Set<string> {
  const outside = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...outside.matchAll(/^#+ (.*)$/gm)].map((match) => anchor(match[1]!)));
}

describe.each([
  ['the library', root],
  ["the server's package", join(root, 'packages', 'server')],
])('%s', (_name, folder) => {
  const files = packed(folder);
  const pages = files.filter((file) => file.endsWith('.md'));

  it('ships a README and links only to what it ships', () => {
    expect(pages).toContain('README.md');
    const broken = pages.flatMap((page) => {
      const text = readFileSync(join(folder, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^[a-z]+:/i.test(target))
        .flatMap((target) => {
          const [path = '', hash] = target.split('#');
          const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
          const found = files.some((shipped) => shipped === file || shipped.startsWith(`${file.replace(/\/$/, '')}/`));
          if (!found) return [{ page, target }];
          if (
            hash !== undefined &&
            file.endsWith('.md') &&
            !anchorsOf(readFileSync(join(folder, file), 'utf8')).has(hash)
          )
            return [{ page, target }];
          return [];
        });
    });
    expect(broken).toEqual([]);
  });
});
