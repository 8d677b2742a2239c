// Tokenizer + prefix explorer in a real browser: train a tiny CRQ-VAE on 400 KuaiRec items in the pipeline worker
// (WebGPU, SwiftShader), see the Table 2 metrics, then the explorer's projection, sunburst and a prefix's items.
import { describe, expect, it } from 'vitest';
import { openApp } from './harness';

describe('tokenizer stage in the browser', () => {
  it('trains a tiny CRQ-VAE, shows the metrics and the prefix explorer', async () => {
    const app = await openApp('#panel=tokenizer&seed=3');
    try {
      const { page } = app;
      await page.getByTestId('adapter-name').waitFor({ timeout: 60_000 });
      await page.getByTestId('tokenizer-panel').waitFor();
      await page.getByTestId('tk-maxItems').fill('400');
      await page.getByTestId('tk-steps').fill('12');
      await page.getByTestId('tk-batchSize').fill('64');
      await page.getByTestId('tk-codebookSize').fill('16');
      await page.getByTestId('tk-kind-rq-vae').uncheck();
      await page.getByTestId('tk-kind-rq-kmeans').uncheck();
      await page.getByTestId('tk-feature-cooccurrence').uncheck(); // feature blocks are selectable
      // and precomputed embeddings (CSV video_id,f0,f1) are added as a block
      const csv = `video_id,f0,f1\n${Array.from({ length: 500 }, (_, i) => `${i},${Math.sin(i).toFixed(4)},${Math.cos(i).toFixed(4)}`).join('\n')}\n`;
      await page.getByTestId('tk-embeddings').setInputFiles([{ name: 'emb.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) }]);
      expect(await page.getByTestId('tk-embedding-names').textContent()).toContain('emb.csv');
      await page.getByTestId('tokenizer-start').click();
      await page.getByTestId('tokenizer-progress-crq-vae').waitFor({ timeout: 120_000 });
      await page.locator('[data-testid="tokenizer-status"][data-status="done"]').waitFor({ timeout: 170_000 });
      const row = (await page.getByTestId('metrics-crq-vae').textContent()) ?? '';
      expect(row).toContain('CRQ-VAE');
      const cells = await page.getByTestId('metrics-crq-vae').locator('td').allTextContents();
      const collision = Number(cells[0]);
      const consistency = Number(cells[2]);
      expect(collision).toBeGreaterThanOrEqual(0);
      expect(collision).toBeLessThanOrEqual(1);
      expect(consistency).toBeGreaterThanOrEqual(0);
      expect(consistency).toBeLessThanOrEqual(1);
      expect(await page.getByTestId('tokenizer-info').textContent()).toContain('400 items');
      expect(await page.getByTestId('tokenizer-info').textContent()).toMatch(/category \d+, caption \d+, emb\.csv 2\)/);
      await page.locator('[data-testid="loss-plot-crq-vae"][data-rendered="true"]').waitFor({ timeout: 30_000 });
      await app.screenshot('tokenizer-trained');

      await page.locator('nav a[data-panel="prefix"]').click();
      await page.getByTestId('prefix-explorer').waitFor();
      await page.locator('[data-testid="explorer-scatter"][data-rendered="true"]').waitFor({ timeout: 60_000 });
      await page.locator('[data-testid="explorer-sunburst"][data-rendered="true"]').waitFor({ timeout: 60_000 });
      await page.getByTestId('prefix-row').first().click();
      const items = page.getByTestId('prefix-items');
      await items.waitFor({ timeout: 30_000 });
      await items.locator('tbody tr').first().waitFor({ timeout: 30_000 }); // wait on the condition (rows > 0), never a snapshot
      expect((await items.textContent()) ?? '').toMatch(/prefix \(\d+\): \d+ items/);
      await app.screenshot('prefix-explorer');
      expect(app.errors).toEqual([]);

      // nothing lost on a reload: the finished run's metrics come back from browser storage
      await page.goto(page.url().replace(/#.*$/, '#panel=tokenizer'));
      await page.reload();
      const restored = page.getByTestId('metrics-crq-vae');
      await restored.waitFor({ timeout: 60_000 });
      expect(await restored.textContent()).toContain('(restored)');
      expect(await restored.locator('td').allTextContents()).toEqual(cells);
    } finally {
      await app.close();
    }
  });

  it('opt-in text encoder: Hub files are fetched (served here by a route, never downloaded in tests) and add a caption-embedding block', async () => {
    const { tinyTextEncoderOnnx } = await import('../src/data/features/onnx-tiny');
    const vocab = { '[UNK]': 0, 'query:': 1 };
    const tokenizerJson = { version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '[UNK]' } };
    const files: Record<string, Buffer> = {
      'tokenizer.json': Buffer.from(JSON.stringify(tokenizerJson)),
      'tokenizer_config.json': Buffer.from(JSON.stringify({ unk_token: '[UNK]' })),
      'onnx/model_quantized.onnx': Buffer.from(tinyTextEncoderOnnx(new Float32Array([0, 1, 2, 3, 4, 5]), 2, 3)),
    };
    const app = await openApp('#panel=tokenizer&seed=1');
    const asked: string[] = [];
    try {
      const { page } = app;
      await page.context().route('https://huggingface.co/**', async (route) => {
        const url = route.request().url();
        asked.push(url);
        const hit = Object.entries(files).find(([k]) => url.endsWith(`/resolve/main/${k}`));
        await (hit ? route.fulfill({ status: 200, body: hit[1] }) : route.fulfill({ status: 404, body: 'not found' }));
      });
      await page.getByTestId('tokenizer-panel').waitFor();
      await page.getByTestId('tk-maxItems').fill('60');
      await page.getByTestId('tk-steps').fill('2');
      await page.getByTestId('tk-batchSize').fill('32');
      await page.getByTestId('tk-codebookSize').fill('8');
      await page.getByTestId('tk-kind-rq-vae').uncheck();
      await page.getByTestId('tk-kind-rq-kmeans').uncheck();
      await page.getByTestId('tk-text-encoder').check();
      await page.getByTestId('tokenizer-start').click();
      await page.locator('[data-testid="tokenizer-status"][data-status="done"]').waitFor({ timeout: 170_000 });
      expect(await page.getByTestId('tokenizer-info').textContent()).toMatch(/text-encoder Xenova\/multilingual-e5-small 3\)/);
      expect(asked.some((u) => u.endsWith('/Xenova/multilingual-e5-small/resolve/main/onnx/model_quantized.onnx'))).toBe(true);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
