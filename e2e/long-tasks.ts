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
