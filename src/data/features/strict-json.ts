// A small strict JSON parser for binary-format headers (safetensors): refuses duplicate keys, nesting deeper than
// `maxDepth`, and anything JSON.parse would refuse. Iterative over a depth-bounded recursion, so hostile headers
// (10,000-deep arrays) end in one clear error instead of a stack overflow.

export class StrictJsonError extends Error {}

/** A number written with a fraction or exponent ("4.0", "1e3"): kept apart from integers, so "4.0" is not an offset. */
export class JsonFloat {
  constructor(readonly text: string) {}
  toJSON(): string { return this.text; }
}

export function parseStrictJson(text: string, maxDepth = 8): unknown {
  let i = 0;
  const fail = (why: string): never => { throw new StrictJsonError(`${why} at character ${i}`); };
  const ws = () => { while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++; };
  const value = (depth: number): unknown => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      i++;
      ws();
      if (c === '[') {
        const arr: unknown[] = [];
        if (text[i] === ']') { i++; return arr; }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; return arr; }
          fail('expected , or ]');
        }
      }
      const obj: Record<string, unknown> = Object.create(null);
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        if (Object.prototype.hasOwnProperty.call(obj, k)) fail(`duplicate key "${k.slice(0, 60)}"`);
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        obj[k] = value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected , or }');
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    const w = m[0];
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    return /[.eE]/.test(w) ? new JsonFloat(w) : Number(w);
  };
  const str = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const ch = text.charCodeAt(i);
      if (ch === 34) break;
      if (ch < 0x20) fail('control character in string');
      if (ch === 92) i++;
      i++;
    }
    i++;
    try { return JSON.parse(text.slice(start, i)) as string; } catch { return fail('bad string escape'); }
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters after the JSON value');
  return v;
}
