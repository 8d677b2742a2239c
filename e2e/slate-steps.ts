// Shared browser-test step: train a tiny hierarchical slate decoder on the planted sequences in the Slate model panel
// (a stage run on the header's backend: auto = wasm on SwiftShader machines) and wait until it is done.
import type { Page } from 'playwright-core';

export async function trainTinySlate(page: Page, epochs: number): Promise<void> {
  await page.getByTestId('slate-panel').waitFor({ timeout: 60_000 });
  await page.getByTestId('slate-source').selectOption('planted');
  for (const [k, v] of [['dim', '16'], ['slateLayers', '1'], ['epochs', String(epochs)], ['stepsPerEpoch', '8'], ['batchSize', '16'], ['lr', '0.005'], ['beam', '3']]) {
    await page.getByTestId(`slate-${k}`).fill(v);
  }
  await page.getByTestId('slate-train').click();
  await page.locator('[data-testid="slate-status"][data-status="done"]').waitFor({ timeout: 400_000 });
}
