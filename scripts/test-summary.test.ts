import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper without types
import { closingLine, countReport, total } from './test-summary.mjs';

describe('test-all summary', () => {
  it('counts passed/failed/skipped from a vitest JSON report', () => {
    const r = countReport(
      {
        numPassedTests: 5,
        numFailedTests: 1,
        numPendingTests: 2,
        numTodoTests: 1,
        testResults: [{ name: 'a.test.ts', status: 'failed', assertionResults: [{ status: 'failed' }] }],
      },
      1,
    );
    expect(r).toEqual({ passed: 5, failed: 1, skipped: 3, notes: [] });
  });

  it('counts a file that failed to load as a failure', () => {
    const r = countReport(
      { numPassedTests: 3, numFailedTests: 0, testResults: [{ name: 'b.test.ts', status: 'failed', message: 'Cannot find module x\nstack', assertionResults: [] }] },
      1,
    );
    expect(r.failed).toBe(1);
    expect(r.notes).toEqual(['b.test.ts: Cannot find module x']);
  });

  it('a missing report or a non-zero exit without failures is a failure', () => {
    expect(countReport(null, 1).failed).toBe(1);
    expect(countReport({ numPassedTests: 2, numFailedTests: 0, testResults: [] }, 1).failed).toBe(1);
    expect(countReport({ numPassedTests: 2, numFailedTests: 0, testResults: [] }, 0).failed).toBe(0);
  });

  it('prints the closing line and fails when nothing ran', () => {
    expect(closingLine({ passed: 10, failed: 0, skipped: 0 })).toBe('10 passed, 0 failed');
    expect(closingLine({ passed: 10, failed: 2, skipped: 1 })).toBe('10 passed, 2 failed, 1 skipped');
    expect(total([{ passed: 0, failed: 0, skipped: 0 }]).ok).toBe(false);
    expect(total([{ passed: 1, failed: 0, skipped: 0 }, { passed: 2, failed: 0, skipped: 4 }])).toEqual({ passed: 3, failed: 0, skipped: 4, ok: true });
    expect(total([{ passed: 1, failed: 1, skipped: 0 }]).ok).toBe(false);
  });
});
