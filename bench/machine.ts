// The machine a benchmark ran on (the project's machines are shared: the load average is part of every figure).
import os from 'node:os';

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
