// Sizes that can be judged from the raw request, before the document is parsed: each a single pass
// that stops as soon as the limit is passed, with no recursion (the input may be nested thousands deep).

/**
 * The deepest nesting of `{ [ (` in a GraphQL document, skipping strings, block strings and
 * comments. Stops early and returns `stopAt + 1` once nesting passes `stopAt`.
 */
export function documentNesting(text: string, stopAt: number): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) {
      // { [ (
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      // } ] )   (unbalanced closers are the parser's to report)
      if (depth > 0) depth--;
    } else if (c === 0x23) {
      // # comment to the end of the line
      while (i < n && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (text.startsWith('"""', i)) {
        // block string: ends at the next """ that is not escaped as \"""
        i += 3;
        while (i < n && !(text.startsWith('"""', i) && text.charCodeAt(i - 1) !== 0x5c)) i++;
        i += 2;
      } else {
        i++;
        while (i < n && text.charCodeAt(i) !== 0x22 && text.charCodeAt(i) !== 0x0a) {
          if (text.charCodeAt(i) === 0x5c) i++; // skip the escaped character
          i++;
        }
      }
    }
  }
  return max;
}

/**
 * Roughly the JSON size in bytes and the nesting depth of a parsed JSON value (the variables).
 * Walks with an explicit stack and stops once either passes its limit, so the walk itself is
 * bounded by the limits, not by the input.
 */
export function jsonShape(value: unknown, limits: { bytes: number; depth: number }): { bytes: number; depth: number } {
  let bytes = 0;
  let depth = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    const v = item.value;
    if (typeof v === "string") bytes += v.length + 2;
    else if (v === null || typeof v !== "object") bytes += String(v).length;
    else {
      const d = item.depth + 1;
      if (d > depth) depth = d;
      if (depth > limits.depth) break;
      bytes += 2;
      if (Array.isArray(v)) {
        bytes += v.length;
        if (bytes > limits.bytes) break;
        for (const child of v) stack.push({ value: child, depth: d });
      } else {
        for (const [key, child] of Object.entries(v)) {
          bytes += key.length + 4;
          stack.push({ value: child, depth: d });
        }
      }
    }
    if (bytes > limits.bytes) break;
  }
  return { bytes, depth };
}
