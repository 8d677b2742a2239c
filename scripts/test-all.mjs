// `npm test`: the unit suite (vitest.config.ts) then the browser suite (vitest.e2e.config.ts), each with the default
// reporter for humans and a JSON report in test-results/. Prints a per-suite summary and, as the very LAST line,
// `N passed, N failed` (plus `, N skipped`). Exit code 1 if anything failed or no test ran.
// Options: --unit-only, --e2e-only; extra args after `--` go to both vitest runs (e.g. a file filter).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closingLine, countReport, total } from './test-summary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const OUT = path.join(ROOT, 'test-results');

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && fs.existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
if (!process.env.XDG_RUNTIME_DIR) {
  // Dawn/Vulkan print a warning on every device creation without it (root in CI).
  const dir = path.join(ROOT, 'test-results', '.xdg');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
const passthrough = dd >= 0 ? argv.slice(dd + 1) : [];
const own = dd >= 0 ? argv.slice(0, dd) : argv;
const suites = [
  { name: 'unit', config: 'vitest.config.ts' },
  { name: 'e2e', config: 'vitest.e2e.config.ts' },
].filter((s) => !(own.includes('--unit-only') && s.name === 'e2e') && !(own.includes('--e2e-only') && s.name === 'unit'));

function run(suite) {
  const json = path.join(OUT, `${suite.name}.json`);
  fs.rmSync(json, { force: true });
  const args = [VITEST, 'run', '-c', suite.config, '--reporter=default', '--reporter=json', `--outputFile=${json}`, ...passthrough];
  console.log(`\n=== ${suite.name} tests: vitest run -c ${suite.config} ===\n`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => {
      let report = null;
      try {
        report = JSON.parse(fs.readFileSync(json, 'utf8'));
      } catch {
        /* no report: counted as a failure */
      }
      const counts = countReport(report, code ?? (signal ? 128 : 1));
      resolve({ ...suite, ...counts, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

fs.mkdirSync(OUT, { recursive: true });
const results = [];
for (const s of suites) results.push(await run(s));

console.log('\n=== summary ===');
for (const r of results) {
  console.log(`${r.name.padEnd(5)} ${closingLine(r)}  (${r.seconds.toFixed(0)} s)`);
  for (const n of r.notes) console.log(`      ! ${n}`);
}
const t = total(results);
if (t.passed + t.failed === 0) console.log('no tests ran');
console.log(closingLine(t));
process.exitCode = t.ok ? 0 : 1;
