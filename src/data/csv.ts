// Small CSV helpers: quote-aware field splitting (RFC 4180 style, "" escapes a quote) and fast numeric field parsing.

/** Splits one CSV record into fields. Quotes are removed; separators inside quotes are kept. */
export function splitCsvLine(line: string, sep = ','): string[] {
  if (line.indexOf('"') === -1) return line.split(sep);
  const out: string[] = [];
  let field = '';
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQ) {
      if (c === '"') {
        if (line[i + 1] === '"') { field += '"'; i++; } else inQ = false;
      } else field += c;
    } else if (c === '"') inQ = true;
    else if (c === sep) { out.push(field); field = ''; }
    else field += c;
  }
  out.push(field);
  return out;
}

/** True when the record has an unbalanced quote (it continues on the next line). */
export function hasOpenQuote(line: string): boolean {
  let n = 0;
  for (let i = line.indexOf('"'); i !== -1; i = line.indexOf('"', i + 1)) n++;
  return (n & 1) === 1;
}

/**
 * Iterates over the CSV records in a block of lines, joining lines while a quote is open.
 * `pending` carries an unfinished record across blocks. Calls fn(record, lineNo of its first line).
 */
export class RecordAssembler {
  private pending = '';
  private pendingLine = 0;
  feed(text: string, firstLineNo: number, fn: (rec: string, lineNo: number) => void): void {
    let lineNo = firstLineNo;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
      if (this.pending) {
        this.pending += '\n' + line;
        if (hasOpenQuote(line)) { // closing quote found on this line (odd count toggles state)
          const rec = this.pending; this.pending = '';
          fn(rec, this.pendingLine);
        }
      } else if (hasOpenQuote(line)) {
        this.pending = line; this.pendingLine = lineNo;
      } else fn(line, lineNo);
      lineNo++;
      if (nl === -1) break;
      start = nl + 1;
    }
  }
  /** Returns the unfinished record at end of file, if any. */
  flush(): { rec: string; lineNo: number } | null {
    if (!this.pending) return null;
    const r = { rec: this.pending, lineNo: this.pendingLine };
    this.pending = '';
    return r;
  }
}

/**
 * Parses s[a, b) as a decimal number (optional sign, digits, fraction, exponent). Returns NaN for an empty or
 * invalid field. Hand-written because Number(s.slice()) allocates a string per field on the hot path.
 */
export function parseNumber(s: string, a: number, b: number): number {
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  if (a >= b) return NaN;
  let i = a;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 45 /* - */) { neg = true; i++; } else if (c === 43 /* + */) i++;
  // Mantissa as an integer, then one division by a power of ten: exact (correctly rounded) while it stays < 2^53.
  let m = 0;
  let digits = 0;
  let scale = 1;
  while (i < b) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    m = m * 10 + (c - 48);
    i++; digits++;
  }
  if (i < b && s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < b) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      m = m * 10 + (c - 48);
      scale *= 10;
      i++; digits++;
    }
  }
  if (digits === 0) return NaN;
  if (i < b) {
    c = s.charCodeAt(i);
    if (c === 101 || c === 69) return Number(s.slice(a, b)); // exponent: rare, let the engine do it
    return NaN;
  }
  if (digits > 15) return Number(s.slice(a, b));
  const v = scale === 1 ? m : m / scale;
  return neg ? -v : v;
}

/** Parses an integer field; NaN when empty, fractional or invalid. */
export function parseIntField(s: string, a: number, b: number): number {
  const v = parseNumber(s, a, b);
  return Number.isInteger(v) ? v : NaN;
}

/** Parses "[27, 9]" / "[4202,7126]" / "[]" into integers (NaN entries dropped). */
export function parseIntList(field: string): number[] {
  const t = field.trim();
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  if (!inner.trim()) return [];
  const out: number[] = [];
  for (const p of inner.split(',')) {
    const v = parseIntField(p, 0, p.length);
    if (!Number.isNaN(v)) out.push(v);
  }
  return out;
}

/** Normalises a header cell: strips a BOM, quotes, spaces, lower-cases. */
export function normalizeHeaderCell(cell: string): string {
  return cell.replace(/^\uFEFF/, '').replace(/^"|"$/g, '').trim().toLowerCase();
}
