// Reading values whose shape is not known: an object's own record, an error's code, a URL that may not be one.

/** A plain object (not an array, not null), whose fields can be read by name. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `code` of a thrown value (a Node system error's `ECONNREFUSED`, undici's `UND_ERR_…`), if it has a string one. */
export function errorCode(error: unknown): string | undefined {
  const code = isRecord(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The URL `value` spells, or undefined when it is not an absolute URL. */
export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
