// One ingest run in a fresh Node process (so peak RSS is this parser's alone): node node-run.mjs <higr|papaparse> <file>
// Prints one JSON line: ParseRun + peakRssMB (getrusage maxrss) + baseRssMB (RSS before parsing).
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileStream } from '../../src/data/node-file';
import { runHigr, runPapaparse } from './parsers';

const [parser, path] = process.argv.slice(2);
const size = statSync(path).size;
const baseRssMB = process.memoryUsage().rss / 1e6;
const cpu0 = process.cpuUsage();
const run = parser === 'higr'
  ? await runHigr(basename(path), size, fileStream(path))
  : await runPapaparse(createReadStream(path, { highWaterMark: Number(process.env.PAPA_CHUNK ?? 1 << 20) }), size);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ ...run, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6, baseRssMB }));
