// Cancel acts while the file is being read, not after (the file is large enough that even the wasm fast path takes
// several progress intervals to parse it): the parse loop yields to the event loop (a Cancel message in
// the data worker, a timer here) every few tens of ms. The latency is printed, not asserted (no timed assertions).
import { describe, expect, it } from 'vitest';
import { DataSession } from './session';
import { fromBytes } from './input-file';
import { interactionCsvChunks } from './synthetic';

describe('cancelling a file load', () => {
  it('stops reading a big file soon after cancel, well before its end', async () => {
    const text = [...interactionCsvChunks({ seed: 2, rows: 1_500_000 })].join('');
    const s = new DataSession();
    let cancelledAt = 0;
    let lastBytes = 0;
    const done = s.addFiles([fromBytes('big_matrix.csv', text)], (_n, p) => {
      lastBytes = p.bytes;
      if (!cancelledAt && p.bytes > text.length * 0.05) {
        cancelledAt = performance.now();
        setTimeout(() => s.cancel('big_matrix.csv'), 0); // arrives as a separate task, like the worker message
      }
    });
    const { reports } = await done;
    const latency = performance.now() - cancelledAt;
    console.log(`[cancel] acted ${latency.toFixed(0)} ms after the cancel request, at ${((100 * lastBytes) / text.length).toFixed(1)}% of ${(text.length / 1e6).toFixed(1)} MB`);
    expect(cancelledAt).toBeGreaterThan(0);
    expect(reports[0].status).toBe('cancelled');
    expect(lastBytes).toBeLessThan(text.length * 0.5);
  });
});
