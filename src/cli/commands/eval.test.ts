import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../higr';
import { parseSlates, parseTargets, scoreExternal } from './eval';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-eval-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
async function run(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('higr eval (external slates vs external targets)', () => {
  it('scores a slates file written elsewhere and writes eval.json with per-user rows (hand-computed)', async () => {
    // user 7: targets {100, 200}, slate hits 200 at rank 2 → recall 1/2, NDCG (1/log2 3) / (1 + 1/log2 3)
    // user 8: targets {5}, slate [5, 6] → all 1;  user 9 (a slate without targets) is not scored
    const slates = write('decode.json', JSON.stringify({ rows: [{ user: 7, slate: [300, 200, 400] }, { user: '8', slate: ['5', '6'] }, { user: 9, slate: [1] }] }));
    const targets = write('targets.txt', '# user item item\n7 100 200\n8 5\n');
    const out = path.join(tmp, 'out');
    const r = await run(['eval', '--slates', slates, '--targets', targets, '--k', '3', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('| users | hit@3 |');
    const j = JSON.parse(fs.readFileSync(path.join(out, 'eval.json'), 'utf8'));
    expect(j.command).toBe('eval');
    expect(j.k).toBe(3);
    expect(j.users).toBe(2);
    expect(j.ignoredSlates).toBe(1);
    const nd7 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(j.metrics.hit).toBe(1);
    expect(j.metrics.recall).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(j.metrics.ndcg).toBeCloseTo((nd7 + 1) / 2, 12);
    expect(j.metrics.precision).toBeCloseTo((1 / 3 + 1 / 3) / 2, 12);
    expect(j.metrics.mrr).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(j.perUser.map((u: { user: string }) => u.user)).toEqual(['7', '8']);
    expect(j.perUser[0].recall).toBeCloseTo(0.5, 12);
  });

  it('bad input: one clear line naming the file and field, exit 1', async () => {
    const good = write('ok.json', JSON.stringify({ rows: [{ user: 1, slate: [2] }] }));
    const t = write('t.txt', '1 2\n2 3\n');
    const cases: [string[], RegExp][] = [
      [['eval', '--targets', t], /--slates <decode\.json> is required/],
      [['eval', '--slates', path.join(tmp, 'nope.json'), '--targets', t], /nope\.json: cannot read the slates file \(no such file\)/],
      [['eval', '--slates', write('bad.json', '{"rows": [{"user": 1, "slate": [2, null]}]}'), '--targets', t], /bad\.json: rows\[0\]\.slate\[1\] is not an item id/],
      [['eval', '--slates', write('norows.json', '{"slates": []}'), '--targets', t], /norows\.json: field "rows" missing/],
      [['eval', '--slates', good, '--targets', t], /ok\.json: no slate for user 2 \(listed in .*t\.txt\)/],
      [['eval', '--slates', good, '--targets', write('t2.txt', '1\n')], /t2\.txt: line 1: user 1 has no target item/],
      [['eval', '--slates', good, '--targets', t, '--k', 'x'], /--k needs a number/],
    ];
    for (const [argv, re] of cases) {
      const r = await run([...argv, '--out', path.join(tmp, 'o2')]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^higr eval: /);
      expect(r.err).toMatch(re);
    }
  });

  it('parsers and scorer agree with the harness on a duplicate item and a short slate', () => {
    const rows = parseSlates('{"rows":[{"user":"a","slate":[1,1,2]}]}', 'f');
    const r = scoreExternal(rows, parseTargets('a 1 2\n', 't'), 3);
    expect(r.metrics.recall).toBe(1); // duplicate 1 counts once; 2 at rank 3
    expect(r.metrics.ndcg).toBeCloseTo((1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)), 12);
  });
});
