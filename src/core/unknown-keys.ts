// Refusing option keys nobody reads, with a "did you mean" for the nearest known one: a typo must fail loudly.
import { TokenSwapOptionError } from './option-error.js';

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name nearest to `name`, when it is near enough to be what was meant. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const [best] = known
    .map((candidate) => {
      const other = candidate.toLowerCase();
      return { candidate, d: other.includes(lower) || lower.includes(other) ? 0 : distance(lower, other) };
    })
    .sort((x, y) => x.d - y.d);
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined;
}

/**
 * Throws a TypeError for the first key of `object` not in `known`: `${where}: ${prefix}${key} is not an option: did
 * you mean …?`. `elsewhere` maps keys that belong at another level to where they go (a hook given beside clientId).
 */
export function rejectUnknownKeys(
  where: string,
  object: object,
  known: readonly string[],
  prefix = '',
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const moved = Object.hasOwn(elsewhere, key) ? elsewhere[key] : undefined;
    const guess = nearest(key, known);
    const hint =
      moved !== undefined
        ? `did you mean ${moved}?`
        : guess !== undefined
          ? `did you mean ${prefix}${guess}?`
          : `known options are ${known.map((k) => prefix + k).join(', ')}`;
    throw new TokenSwapOptionError(
      `${prefix}${key}`,
      'ERR_OPTION_UNKNOWN',
      `${where}: ${prefix}${key} is not an option: ${hint}`,
    );
  }
}
