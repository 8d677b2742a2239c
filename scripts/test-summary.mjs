// Pure helpers for scripts/test-all.mjs (kept separate so they are unit-tested: scripts/test-summary.test.ts).

/**
 * Count one vitest JSON report (--reporter=json). A test file that failed without any failed test (import error,
 * failing hook) counts as one failure, so a broken file can never look green.
 * @param {any} report parsed JSON, or null when the suite produced no report
 * @param {number} exitCode the vitest process exit code
 */
export function countReport(report, exitCode) {
  if (!report) {
    return { passed: 0, failed: 1, skipped: 0, notes: [`no JSON report (vitest exit code ${exitCode})`] };
  }
  const passed = report.numPassedTests ?? 0;
  let failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const notes = [];
  for (const file of report.testResults ?? []) {
    const hasFailedTest = (file.assertionResults ?? []).some((a) => a.status === 'failed');
    if (file.status === 'failed' && !hasFailedTest) {
      failed += 1;
      notes.push(`${file.name}: ${String(file.message || 'file failed').split('\n')[0]}`);
    }
  }
  if (exitCode !== 0 && failed === 0) {
    failed += 1;
    notes.push(`vitest exited with code ${exitCode} although no test failed`);
  }
  return { passed, failed, skipped, notes };
}

/** The closing line: `N passed, N failed` (+ `, N skipped` when any). */
export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

/** Sum suite counts; zero tests in total is a failure of the run. */
export function total(counts) {
  const t = counts.reduce(
    (a, c) => ({ passed: a.passed + c.passed, failed: a.failed + c.failed, skipped: a.skipped + c.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  return { ...t, ok: t.failed === 0 && t.passed > 0 };
}
