// Small CSV helpers: quote-aware field splitting (RFC 4180 style, "" escapes a quote) and fast numeric field parsing.

import { DataError } from './types';

/**
 * Splits one CSV record into fields (RFC 4180): a field that STARTS with a quote is quoted (separators and newlines
 * inside are kept, "" is a quote); a quote anywhere else is an ordinary character. Quotes are removed.
 */
export function splitCsvLine(line: string, sep = ','): string[] {
  if (line.indexOf('"') === -1) return line.split(sep);
  const out: string[] = [];
  let field = '';
  let inQ = false;
  let atStart = true;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQ) {
      if (c === '"') {
        if (line[i + 1] === '"') { field += '"'; i++; } else inQ = false;
      } else field += c;
    } else if (c === sep) { out.push(field); field = ''; atStart = true; continue; }
    else if (c === '"' && atStart) inQ = true;
    else field += c;
    atStart = false;
  }
  out.push(field);
  return out;
}

/** Quote state after scanning `line` (RFC 4180: only a quote at a field start opens a quoted field). */
export function quoteStateAfter(line: string, inQ: boolean, sep = ','): boolean {
  let i = line.indexOf('"');
  if (i === -1) return inQ;
  let atStart = !inQ;
  for (i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inQ) {
      if (c === 34) {
        if (line.charCodeAt(i + 1) === 34) i++;
        else { inQ = false; atStart = false; }
      }
    } else if (c === sep.charCodeAt(0)) atStart = true;
    else if (c === 34 && atStart) { inQ = true; atStart = false; }
    else atStart = false;
  }
  return inQ;
}

/** A quoted field longer than this (characters) without its closing quote refuses the file. */
export const MAX_QUOTED_FIELD = 1 << 20;

/**
 * Iterates over the CSV records in a block of lines, joining lines while a quoted field is open (RFC 4180).
 * `pending` carries an unfinished record across blocks. Calls fn(record, lineNo of its first line).
 * A quoted field that stays open for more than MAX_QUOTED_FIELD characters throws DataError('unclosed-quote').
 */
export class RecordAssembler {
  private pending = '';
  private pendingLine = 0;
  private open = false;
  constructor(private readonly file: string, private readonly sep = ',') {}
  feed(text: string, firstLineNo: number, fn: (rec: string, lineNo: number) => void): void {
    let lineNo = firstLineNo;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
      if (this.open) {
        this.pending += '\n' + line;
        this.open = quoteStateAfter(line, true, this.sep);
        if (!this.open) {
          const rec = this.pending; this.pending = '';
          fn(rec, this.pendingLine);
        } else if (this.pending.length > MAX_QUOTED_FIELD) throw unclosedQuote(this.file, this.pendingLine, true);
      } else if (quoteStateAfter(line, false, this.sep)) {
        this.pending = line; this.pendingLine = lineNo; this.open = true;
      } else fn(line, lineNo);
      lineNo++;
      if (nl === -1) break;
      start = nl + 1;
    }
  }
  /** At end of file: throws DataError('unclosed-quote') naming the line where a still-open quote opened. */
  finish(): void {
    if (this.open) throw unclosedQuote(this.file, this.pendingLine, false);
  }
}

export function unclosedQuote(file: string, line: number, tooLong: boolean): DataError {
  return new DataError({
    file, kind: 'unclosed-quote', lines: [line], count: 1,
    message: tooLong
      ? `${file}: the quoted field opened at line ${line} runs over ${MAX_QUOTED_FIELD} characters without a closing quote`
      : `${file}: the quote opened at line ${line} is never closed`,
  });
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

/**
 * Parses a KuaiRec id list such as "[27, 9]", "[4202,7126]" or "[]" strictly: square brackets, comma-separated
 * non-negative integers (spaces allowed around them), nothing else. Returns null for anything malformed
 * ("[27, 9", "27, 9", "[a, b]", "[27,,9]", "[-1]", "[1.5]", "{27, 9}").
 */
export function parseIdList(field: string): number[] | null {
  const t = field.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 91 || t.charCodeAt(t.length - 1) !== 93) return null;
  const inner = t.slice(1, -1);
  if (inner.trim() === '') return [];
  const out: number[] = [];
  for (const p of inner.split(',')) {
    const q = p.trim();
    if (!/^\d{1,10}$/.test(q)) return null;
    const v = Number(q);
    if (v > 2147483647) return null;
    out.push(v);
  }
  return out;
}

/** Normalises a header cell: strips a BOM, quotes, spaces, lower-cases. */
export function normalizeHeaderCell(cell: string): string {
  return cell.replace(/^\uFEFF/, '').replace(/^"|"$/g, '').trim().toLowerCase();
}
