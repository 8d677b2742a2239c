// Seeded mutation fuzzing of every parser's valid inputs (the `npm run fuzz` script and fuzz.test.ts share it):
// truncation, byte flips, structural bytes, quote insertion, CRLF, BOM, huge fields, in random chunk sizes and both
// malformed-row policies. Outcome per case: loaded, refused cleanly (a DataError naming the file), escape (anything
// else thrown, or a message not starting with the file name), or hang (longer than `hangMs`).

import { parseNpy, writeNpy } from './features/npy';
import { parseSafetensors, writeSafetensors } from './features/safetensors';
import { ingestFile } from './ingest';
import { createRng, type Rng } from './rng';
import { generateSyntheticKuaiRec } from './synthetic';
import { streamFromBytes } from './text-stream';
import { isDataError } from './types';

export interface FuzzBase { parser: string; name: string; bytes: Uint8Array; kind: 'csv' | 'safetensors' | 'npy' }

/** Valid inputs of every parser: each CSV kind, sequences, .inter, .safetensors, .npy (+ `extra`, e.g. real files). */
export function fuzzBases(extra: FuzzBase[] = []): FuzzBase[] {
  const { files } = generateSyntheticKuaiRec({ seed: 5, users: 12, items: 60 });
  const enc = new TextEncoder();
  const csv = (parser: string, name: string, text: string): FuzzBase => ({ parser, name, bytes: enc.encode(text), kind: 'csv' });
  const emb = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));
  return [
    csv('interactions (big_matrix)', 'big_matrix.csv', files['big_matrix.csv']),
    csv('interactions (small_matrix)', 'small_matrix.csv', files['small_matrix.csv']),
    csv('item_categories', 'item_categories.csv', files['item_categories.csv']),
    csv('captions', 'kuairec_caption_category.csv', files['kuairec_caption_category.csv']),
    csv('user_features', 'user_features.csv', files['user_features.csv']),
    csv('item_daily_features', 'item_daily_features.csv', 'video_id,date,show_cnt,play_cnt,like_cnt,author_id\n1,20200705,10,5,1,7\n2,20200705,3,2,0,8\n1,20200706,4,4,,7\n'),
    csv('social_network', 'social_network.csv', 'user_id,friend_list\n1,"[4202,7126]"\n2,[]\n3,"[1, 2, 3]"\n'),
    csv('sequences', 'seq.txt', '1 2 3 4 5 6 7\n2 3 4 5 6 7 8 9\n3 9 8 7 6 5 4\n'),
    csv('recbole .inter', 'x.inter', 'user_id:token\titem_id:token\ttimestamp:float\twatch_ratio:float\n1\t2\t3.5\t2.5\n4\t5\t6\t0.5\n'),
    { parser: 'safetensors', name: 'e.safetensors', kind: 'safetensors', bytes: writeSafetensors({ embeddings: { data: emb, shape: [6, 4] }, ids: { data: Int32Array.from([3, 1, 4, 5, 9, 2]), shape: [6] } }, { format: 'pt' }) },
    { parser: 'npy', name: 'e.npy', kind: 'npy', bytes: writeNpy(emb, [6, 4]) },
    ...extra,
  ];
}

const STRUCTURAL = [44, 10, 13, 34, 9, 45, 46, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x20, 0x30, 0x39];

function splice(b: Uint8Array, i: number, del: number, ins: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(b.length - del + ins.length);
  out.set(b.subarray(0, i), 0);
  out.set(ins, i);
  out.set(b.subarray(i + del), i + ins.length);
  return out;
}

/** One seeded mutation of a valid input. */
export function mutate(b: Uint8Array, r: Rng): { bytes: Uint8Array<ArrayBuffer>; ops: string[] } {
  let out: Uint8Array<ArrayBuffer> = Uint8Array.from(b);
  const ops: string[] = [];
  const n = 1 + r.int(6);
  for (let k = 0; k < n; k++) {
    const i = out.length ? r.int(out.length + 1) : 0;
    const op = r.int(10);
    if (op === 0) { out = Uint8Array.from(out.subarray(0, i)); ops.push('truncate'); }
    else if (op === 1 && out.length) { const j = Math.min(i, out.length - 1); out[j] ^= 1 << r.int(8); ops.push('bit flip'); }
    else if (op === 2 && out.length) { out[Math.min(i, out.length - 1)] = r.int(256); ops.push('byte'); }
    else if (op === 3 && out.length) { out[Math.min(i, out.length - 1)] = r.pick(STRUCTURAL); ops.push('structural byte'); }
    else if (op === 4) { out = splice(out, i, 0, Uint8Array.of(34)); ops.push('quote'); }
    else if (op === 5) { out = Uint8Array.from(new TextEncoder().encode(new TextDecoder().decode(out).replace(/\n/g, '\r\n'))); ops.push('CRLF'); }
    else if (op === 6) { out = splice(out, 0, 0, Uint8Array.of(0xef, 0xbb, 0xbf)); ops.push('BOM'); }
    else if (op === 7) {
      const big = new Uint8Array(r.next() < 0.5 ? 1 << 16 : (1 << 20) + 17).fill(r.pick([0x61, 0x39, 0x2c, 0x22, 0x0a, 0x20]));
      out = splice(out, i, 0, big); ops.push(`huge field (${big.length} x ${String.fromCharCode(big[0]).replace('\n', '\\n')})`);
    }
    else if (op === 8 && out.length > 1) { out = splice(out, i, Math.min(1 + r.int(8), out.length - i), new Uint8Array(0)); ops.push('delete'); }
    else { const j = r.int(out.length + 1); out = splice(out, j, 0, out.subarray(r.int(out.length + 1), r.int(out.length + 1))); ops.push('duplicate span'); }
  }
  return { bytes: out, ops };
}

export type FuzzOutcome = 'loaded' | 'refused' | 'escape' | 'hang';

export interface FuzzCase { parser: string; outcome: FuzzOutcome; ms: number; detail?: string; ops: string[] }

/** Runs one input through its parser; never throws. */
export async function runFuzzCase(base: FuzzBase, bytes: Uint8Array, r: Rng, hangMs = 2000): Promise<Omit<FuzzCase, 'ops'>> {
  const t0 = performance.now();
  const c0 = cpuMs();
  let outcome: FuzzOutcome;
  let detail: string | undefined;
  try {
    if (base.kind === 'safetensors') parseSafetensors(bytes, base.name);
    else if (base.kind === 'npy') parseNpy(bytes, base.name);
    else await ingestFile({ name: base.name, size: bytes.length, stream: streamFromBytes(bytes, (bytes.length > 65536 ? 4096 : 1) + r.int(r.next() < 0.3 ? 16 : 70000)) }, { malformed: r.next() < 0.5 ? 'skip' : 'stop' });
    outcome = 'loaded';
  } catch (e) {
    if (isDataError(e) && e.message.startsWith(base.name) && !e.message.includes('\n')) outcome = 'refused';
    else { outcome = 'escape'; detail = e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e); }
  }
  const wall = performance.now() - t0;
  // CPU time where the host has it (a shared, loaded machine stretches wall time without any extra work)
  const ms = c0 === null ? wall : (cpuMs() as number) - c0;
  if (ms > hangMs && outcome !== 'escape') { outcome = 'hang'; detail = `${ms.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall`; }
  return { parser: base.parser, outcome, ms, detail };
}

function cpuMs(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!p?.cpuUsage) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface FuzzSummary { parser: string; cases: number; loaded: number; refused: number; escapes: number; hangs: number; maxMs: number }

/** `cases` seeded cases spread over the bases (round robin). */
export async function fuzz(opts: { cases: number; seed: number; hangMs?: number; bases?: FuzzBase[]; onCase?: (c: FuzzCase, k: number) => void }): Promise<{ summary: FuzzSummary[]; failures: FuzzCase[] }> {
  const bases = opts.bases ?? fuzzBases();
  const r = createRng(opts.seed);
  const by = new Map<string, FuzzSummary>();
  const failures: FuzzCase[] = [];
  for (let k = 0; k < opts.cases; k++) {
    const base = bases[k % bases.length];
    const m = mutate(base.bytes, r);
    const c = { ...(await runFuzzCase(base, m.bytes, r, opts.hangMs)), ops: m.ops };
    const s = by.get(c.parser) ?? { parser: c.parser, cases: 0, loaded: 0, refused: 0, escapes: 0, hangs: 0, maxMs: 0 };
    s.cases++;
    if (c.outcome === 'loaded') s.loaded++;
    else if (c.outcome === 'refused') s.refused++;
    else if (c.outcome === 'escape') s.escapes++;
    else s.hangs++;
    s.maxMs = Math.max(s.maxMs, c.ms);
    by.set(c.parser, s);
    if (c.outcome === 'escape' || c.outcome === 'hang') failures.push(c);
    opts.onCase?.(c, k);
  }
  return { summary: [...by.values()], failures };
}
