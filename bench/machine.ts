// The machine a benchmark ran on (the project's machines are shared: the load average is part of every figure).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The 1/5/15-minute load averages, rounded to 0.01. */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Node, platform, CPUs and the load average at the start (given) and now (the end). */
export function machineEnvironment(loadAtStart: number[]) {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
  };
}

/**
 * Clocks for bench/dispatch.ts in Node: the main thread's CPU time and run-queue wait from Linux's
 * /proc/self/task/<pid>/schedstat (ns: time on CPU, time waiting runnable, timeslices); null where it cannot be read.
 * The process clock is process.cpuUsage() (user + system over all threads).
 */
export function nodeDispatchClock() {
  const file = `/proc/self/task/${process.pid}/schedstat`;
  let ok = true;
  try {
    fs.readFileSync(file, 'utf8');
  } catch {
    ok = false;
  }
  return {
    thread: () => {
      if (!ok) return null;
      const [run, wait] = fs.readFileSync(file, 'utf8').split(' ');
      return { cpuUs: Number(run) / 1000, waitUs: Number(wait) / 1000 };
    },
    process: () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    load: () => Math.round(os.loadavg()[0] * 100) / 100,
    /** where the thread figures come from (recorded in the results JSON) */
    source: ok ? file : null,
  };
}

/**
 * A benchmark's outputs: `<out>/<name>.json` (the result), `<out>/<name>.md` (the header lines, the table, the
 * problems), and the table, the problems and what was written on stdout.
 */
export function writeBenchReport(o: { out: string; name: string; result: unknown; header: string[]; table: string; problems: string[]; seconds?: number }): void {
  const problems = o.problems.map((p) => `- ${p}`);
  fs.mkdirSync(o.out, { recursive: true });
  const json = path.join(o.out, `${o.name}.json`);
  fs.writeFileSync(json, JSON.stringify(o.result, null, 2) + '\n');
  const md = [...o.header, '', o.table, '', ...(problems.length ? ['Problems:', '', ...problems, ''] : [])].join('\n');
  fs.writeFileSync(path.join(o.out, `${o.name}.md`), md);
  console.log('\n' + o.table);
  if (problems.length) console.log(problems.join('\n'));
  console.log(`wrote ${path.relative(process.cwd(), json)} and ${o.name}.md${o.seconds === undefined ? '' : ` (${o.seconds.toFixed(0)} s)`}`);
}
