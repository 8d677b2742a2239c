// Main-thread long tasks in a real page (PerformanceObserver 'longtask', buffered: from the first script on) and the
// mount / first-draw time of every chart of the Plot wrapper (src/ui/components/Plot.tsx: a `.plot > [data-testid]`
// div that gets data-rendered="true" once drawn). Install with openApp(..., { initScript: LONG_TASKS }).
import type { Page } from 'playwright-core';

export interface PlotTimes { mount: number; drawn?: number }

export const LONG_TASKS = () => {
  const w = window as unknown as { __longTasks: { start: number; dur: number }[]; __plots: Record<string, PlotTimes> };
  w.__longTasks = [];
  w.__plots = {};
  new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__longTasks.push({ start: e.startTime, dur: e.duration }))).observe({ type: 'longtask', buffered: true });
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('.plot > [data-testid]')) {
      const id = el.getAttribute('data-testid')!;
      const t = (w.__plots[id] ??= { mount: performance.now() });
      if (t.drawn === undefined && el.getAttribute('data-rendered') === 'true') t.drawn = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
};

export interface Window_ { from: number; to: number; tasks: number[] }

/** Long tasks [start, duration] (ms, rounded) recorded so far. */
export async function longTasks(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => (window as unknown as { __longTasks: { start: number; dur: number }[] }).__longTasks.map((x) => [Math.round(x.start), Math.round(x.dur)] as [number, number]));
}

/**
 * Durations of the long tasks that overlap one plot's window, from its mount to its first draw (the draw time is the
 * observer's, or now when the observer has not run yet: the window only grows, so the check stays conservative).
 */
export async function plotWindow(page: Page, testId: string): Promise<Window_> {
  const r = await page.evaluate((id) => {
    const w = window as unknown as { __longTasks: { start: number; dur: number }[]; __plots: Record<string, { mount: number; drawn?: number }> };
    const t = w.__plots[id];
    return t ? { from: t.mount, to: t.drawn ?? performance.now(), all: w.__longTasks.map((x) => [x.start, x.dur]) } : null;
  }, testId);
  if (!r) throw new Error(`no plot "${testId}" was mounted (is the long-task observer installed?)`);
  return { from: Math.round(r.from), to: Math.round(r.to), tasks: r.all.filter(([s, d]) => s + d >= r.from && s <= r.to).map(([, d]) => Math.round(d)) };
}

/**
 * Main-thread CPU time per task, from a Chromium trace (the `toplevel` category's RunTask events carry `tdur`, the
 * thread's own CPU time). The long-task observer reports wall-clock durations, which on a machine shared by many
 * processes stretch by the load (a 70 ms draw becomes 500 ms when the renderer waits for a core); CPU time is what the
 * task costs on a quiet machine, so the ≤ 200 ms check is made on it and the wall-clock figures are printed beside it.
 */
export interface TaskCost { start: number; wall: number; cpu: number }

export async function startTrace(browser: import('playwright-core').Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] });
}

/** Stops the trace; the tasks of the page's main thread, with start times on the page's performance.now() clock. */
export async function stopTrace(browser: import('playwright-core').Browser, page: Page): Promise<TaskCost[]> {
  const origin = await page.evaluate(() => performance.mark('higr-trace-origin').startTime);
  const buf = await browser.stopTracing();
  const ev = (JSON.parse(buf.toString('utf8')) as { traceEvents: { name: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number }[] }).traceEvents;
  const mark = ev.find((e) => e.name === 'higr-trace-origin');
  if (!mark) throw new Error('trace has no higr-trace-origin mark (blink.user_timing not traced?)');
  const offset = mark.ts / 1000 - origin; // trace ms - page ms
  return ev
    .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.dur !== undefined)
    .map((e) => ({ start: e.ts / 1000 - offset, wall: e.dur! / 1000, cpu: (e.tdur ?? e.dur!) / 1000 }));
}

/** The tasks overlapping [from, to] (page ms) that took ≥ 50 ms of wall clock or CPU, rounded. */
export function tasksIn(tasks: TaskCost[], from: number, to: number): { wall: number; cpu: number }[] {
  return tasks.filter((t) => t.start + t.wall >= from && t.start <= to && (t.wall >= 50 || t.cpu >= 50)).map((t) => ({ wall: Math.round(t.wall), cpu: Math.round(t.cpu) }));
}
