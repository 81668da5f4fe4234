// A map that keeps at most so many entries: what the mock remembers (codes, tokens) stays flat however long it runs.

/** Adds to a map that keeps at most `max` entries, forgetting the oldest first. */
export function remember<V>(map: Map<string, V>, max: number, key: string, value: V): void {
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
