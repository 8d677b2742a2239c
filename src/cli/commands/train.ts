// `npm run higr -- train [--data <file|dir>...] [--out dir] [--seed N] [--quick] [--backend cpu|webgpu]
//                        [--tokenizer rq-kmeans|rq-vae|crq-vae] [--K 16] [--levels 3] [--tok-steps N]
//                        [--dim 64] [--heads 4] [--ffn N] [--encoder-layers N] [--slate-layers N] [--item-layers N]
//                        [--max-history N] [--pooling sum|mean|max] [--no-preference] [--non-shared]
//                        [--epochs N] [--steps-per-epoch N] [--batch N] [--lr x] [--warmup N] [--patience N]
//                        [--beam 5] [--valid-users N] [--checkpoint file] [--resume file]`
// Trains a tokenizer on the dataset's item features (semantic IDs), then the hierarchical slate decoder on the reference
// leave-five-out protocol (src/train/slate-data.ts), with validation recall@5 / NDCG@5 per epoch. Writes train.json
// (settings, parameter count, loss and validation curves, seconds per epoch, backend) and a checkpoint for `decode`.
import path from 'node:path';
import fs from 'node:fs';
import { countParameters, hsdConfig, type HsdConfig } from '../../models/slate-decoder';
import { sidsForDataset, slateInputs, SLATE_SID_FEATURES } from '../../train/slate-data';
import { run, slateTrainConfig, type SlateTrainConfig } from '../../train/slate-decoder';
import { TOKENIZER_KINDS, type TokenizerKind } from '../../tokenizer/train';
import { CliError, mdTable, numFlag, type Command } from '../result';
import { loadSlateData, protocolOf, readCheckpoint, slateRun, writeCheckpoint } from './slate-common';

const f4 = (x: number) => Number(x.toFixed(4));

const command: Command = {
  name: 'train',
  describe: 'train the hierarchical slate decoder (tokenizer on the fly, then HSD) on the reference leave-five-out protocol; writes train.json + a checkpoint',
  usage: [
    'flags: --backend cpu|webgpu (default cpu)  --tokenizer rq-kmeans|rq-vae|crq-vae  --K N  --levels D  --tok-steps N',
    '       --dim N --heads N --ffn N --encoder-layers N --slate-layers N --item-layers N --max-history N',
    '       --pooling sum|mean|max  --no-preference  --non-shared  (Table 3 ablations)',
    '       --epochs N --steps-per-epoch N --batch N --lr x --warmup N --patience N --beam B --valid-users N',
    '       --checkpoint file (default <out>/hsd.ckpt.json)  --resume file',
  ].join('\n'),
  async run(args) {
    const flags = args.flags;
    const q = args.quick;
    const { t0, log, backend } = await slateRun(args);
    const data = await loadSlateData(args);
    log(`loaded ${data.source}: ${data.split.users} users, ${data.ds.itemIds.length} items, ${data.split.train.user.length} training slates`);

    const resume = typeof flags.resume === 'string' ? readCheckpoint(flags.resume) : null;
    const tokKind = (typeof flags.tokenizer === 'string' ? flags.tokenizer : 'rq-kmeans') as TokenizerKind;
    if (!TOKENIZER_KINDS.includes(tokKind)) throw new CliError(`--tokenizer must be one of ${TOKENIZER_KINDS.join(', ')} (got "${tokKind}")`);
    let sids, tokenizer: unknown;
    if (resume) {
      if (resume.numItems !== data.ds.itemIds.length) throw new CliError(`${flags.resume}: checkpoint has ${resume.numItems} items, the data has ${data.ds.itemIds.length}`);
      sids = resume.sidTable;
      tokenizer = resume.tokenizer;
    } else {
      const r = await sidsForDataset(data.ws, data.ds, {
        kind: tokKind,
        levels: numFlag(flags, 'levels', 3),
        codebookSize: numFlag(flags, 'K', 16),
        steps: numFlag(flags, 'tok-steps', q ? 50 : 300),
        seed: args.seed,
        features: SLATE_SID_FEATURES,
      });
      sids = r.table;
      tokenizer = r.tokenizer;
      log(`tokenizer ${tokKind}: widths [${sids.widths}], collision rate ${f4(r.tokenizer.collisionRate)}, ${(r.tokenizer.ms / 1000).toFixed(1)} s`);
    }
    const model: Partial<HsdConfig> = {
      dim: numFlag(flags, 'dim', q ? 32 : 64),
      heads: numFlag(flags, 'heads', q ? 2 : 4),
      ffn: numFlag(flags, 'ffn', q ? 64 : 128),
      encoderLayers: numFlag(flags, 'encoder-layers', q ? 1 : 2),
      slateLayers: numFlag(flags, 'slate-layers', q ? 1 : 2),
      itemLayers: numFlag(flags, 'item-layers', 1),
      maxHistory: numFlag(flags, 'max-history', q ? 20 : 50),
      slateSize: 5,
      maxSlate: 10,
      pooling: (typeof flags.pooling === 'string' ? flags.pooling : 'sum') as HsdConfig['pooling'],
      preference: flags['no-preference'] !== true,
      sharedGenerator: flags['non-shared'] !== true,
      itemIdEmbedding: flags['no-item-id'] !== true,
    };
    let cfg: SlateTrainConfig;
    try {
      cfg = slateTrainConfig({
        seed: args.seed,
        model,
        epochs: numFlag(flags, 'epochs', q ? 2 : 8),
        stepsPerEpoch: numFlag(flags, 'steps-per-epoch', q ? 30 : 300),
        batchSize: numFlag(flags, 'batch', q ? 32 : 64),
        lr: numFlag(flags, 'lr', 2e-3),
        warmup: numFlag(flags, 'warmup', q ? 10 : 100),
        patience: numFlag(flags, 'patience', 3),
        beam: numFlag(flags, 'beam', 5),
        validUsers: numFlag(flags, 'valid-users', q ? 100 : 0),
        decodeBatch: 128,
        logEvery: 10,
      });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const full = hsdConfig(cfg.model);
    log(`HSD: ${countParameters(full, sids.widths, data.ds.itemIds.length)} parameters; ${cfg.epochs} epochs × ${cfg.stepsPerEpoch} steps of ${cfg.batchSize} slates on ${backend}`);
    const res = await run(slateInputs(data.ds, data.split, sids), cfg, {
      checkpoint: resume?.train,
      onProgress: (p) => {
        if (p.scalars.loss !== undefined && p.step % 50 === 0) log(`step ${p.step}/${p.total} loss ${p.scalars.loss.toFixed(3)} lr ${p.scalars.lr.toExponential(2)}`);
      },
      onEpoch: (e) => log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${f4(e.valid.recall5)} NDCG@5 ${f4(e.valid.ndcg5)} (${e.valid.users} users), ${e.seconds.toFixed(0)} s`),
    });
    fs.mkdirSync(args.out, { recursive: true });
    const ckFile = typeof flags.checkpoint === 'string' ? flags.checkpoint : path.join(args.out, q ? 'hsd-quick.ckpt.json' : 'hsd.ckpt.json');
    writeCheckpoint(ckFile, { format: 'higr-hsd-checkpoint/1', source: data.source, numItems: data.ds.itemIds.length, itemIds: data.ds.itemIds, sidTable: sids, tokenizer, train: res.checkpoint });
    log(`checkpoint: ${ckFile}`);
    const ep = res.curves.epochs;
    const table = mdTable(
      ['epoch', 'step', 'train loss (Eq. 10, per slate)', 'valid recall@5', 'valid NDCG@5', 'valid hit@5', 'seconds'],
      ep.map((e) => [e.epoch, e.step, f4(e.trainLoss), f4(e.valid.recall5), f4(e.valid.ndcg5), f4(e.valid.hit5), Number(e.seconds.toFixed(1))]),
    );
    res.model.dispose();
    return {
      table: `${table}\n\nHSD ${res.params} parameters, best epoch ${res.bestEpoch}${res.stoppedEarly ? ' (early stop)' : ''}, ${res.secondsPerEpoch.toFixed(1)} s/epoch on ${backend}; checkpoint ${ckFile}`,
      json: {
        protocol: protocolOf(data),
        settings: { train: cfg, model: full, tokenizer, backend, checkpoint: ckFile, resumedFrom: typeof flags.resume === 'string' ? flags.resume : null },
        params: res.params,
        sidWidths: sids.widths,
        bestEpoch: res.bestEpoch,
        stoppedEarly: res.stoppedEarly,
        secondsPerEpoch: res.secondsPerEpoch,
        totalSeconds: (performance.now() - t0) / 1000,
        lossCurve: res.curves.loss,
        validationCurve: ep,
      },
    };
  },
};

export default command;
