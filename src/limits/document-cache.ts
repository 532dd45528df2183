// Yoga keeps parsed documents (and parse errors) keyed by their text, so a repeated query is not
// parsed again. Its default cache holds 1,024 entries whatever their size, and a parsed document
// takes about 45 bytes of memory per byte of text (tokens and locations included): 1,024 documents
// at the token limit held ~580 MB for an hour. This one is bounded by the total length of the texts.

export interface TextKeyedCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

/** A least-recently-used cache holding entries whose keys add up to at most `maxChars` characters. */
export function boundedCache<T>(maxChars: number): TextKeyedCache<T> {
  const entries = new Map<string, T>();
  let chars = 0;
  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        // Map keeps insertion order: re-inserting makes this entry the most recently used.
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key, value) {
      if (key.length > maxChars) return;
      if (entries.delete(key)) chars -= key.length;
      entries.set(key, value);
      chars += key.length;
      for (const oldest of entries.keys()) {
        if (chars <= maxChars) break;
        entries.delete(oldest);
        chars -= oldest.length;
      }
    },
  };
}
