// `npm run higr -- train [--data <file|dir>...] [--out dir] [--seed N] [--quick] [--backend cpu|webgpu]
//                        [--tokenizer rq-kmeans|rq-vae|crq-vae] [--K 16] [--levels 3] [--tok-steps N]
//                        [--dim 64] [--heads 4] [--ffn N] [--encoder-layers N] [--slate-layers N] [--item-layers N]
//                        [--max-history N] [--dropout p] [--pooling sum|mean|max] [--no-preference] [--non-shared]
//                        [--epochs N] [--steps-per-epoch N] [--batch N] [--lr x] [--warmup N] [--patience N] [--recent-windows N]
//                        [--beam 5] [--valid-users N] [--checkpoint file] [--resume file] [--test <file>]`
// Trains a tokenizer on the dataset's item features (semantic IDs), then the hierarchical slate decoder on the reference
// leave-five-out protocol (src/train/slate-data.ts), with validation recall@5 / NDCG@5 per epoch. Writes train.json
// (settings, parameter count, loss and validation curves, seconds per epoch, backend) and a checkpoint for `decode`.
// Without size flags it trains the real-data default (HSD_REAL_DATA in src/train/slate-data.ts; SIDs: SID_TOKENIZER).
// --test <file>: after training, decodes external held-out users (`user item item …`, never trained on; last 5 items =
// targets, the rest = input) and records their metrics in train.json (`externalTest`).
import path from 'node:path';
import fs from 'node:fs';
import { SID_TOKENIZER } from '../../eval/generative';
import { countParameters, hsdConfig, type HsdConfig } from '../../models/slate-decoder';
import { HSD_REAL_DATA, HSD_REAL_DATA_QUICK, sidsForDataset, slateInputs } from '../../train/slate-data';
import { decodeSlates, run, scoreSlates, slateTrainConfig, type SlateTrainConfig } from '../../train/slate-decoder';
import { TOKENIZER_KINDS, type TokenizerKind } from '../../tokenizer/train';
import { CliError, mdTable, numFlag, type Command } from '../result';
import { externalSlates, loadSlateData, protocolOf, readCheckpoint, slateRun, writeCheckpoint } from './slate-common';

const f4 = (x: number) => Number(x.toFixed(4));

const command: Command = {
  name: 'train',
  describe: 'train the hierarchical slate decoder (tokenizer on the fly, then HSD) on the reference leave-five-out protocol; writes train.json + a checkpoint',
  usage: [
    'flags: --backend cpu|webgpu (default cpu)  --tokenizer rq-kmeans|rq-vae|crq-vae  --K N  --levels D  --tok-steps N',
    '       --dim N --heads N --ffn N --encoder-layers N --slate-layers N --item-layers N --max-history N --dropout p',
    '       --pooling sum|mean|max  --no-preference  --non-shared  (Table 3 ablations)',
    '       --epochs N --steps-per-epoch N --batch N --lr x --warmup N --weight-decay x --patience N --beam B --valid-users N',
    '       --recent-windows N (each user\'s N most recent training windows only; 0 = all)',
    '       --checkpoint file (default <out>/hsd.ckpt.json)  --resume file  --test <file> (external held-out users, scored after training)',
  ].join('\n'),
  async run(args) {
    const flags = args.flags;
    const q = args.quick;
    const { t0, log, backend } = await slateRun(args);
    const data = await loadSlateData(args);
    log(`loaded ${data.source}: ${data.split.users} users, ${data.ds.itemIds.length} items, ${data.split.train.user.length} training slates`);

    const ext = args.test ? await externalSlates(args.test, data.ds) : null;
    const resume = typeof flags.resume === 'string' ? readCheckpoint(flags.resume) : null;
    const tokKind = (typeof flags.tokenizer === 'string' ? flags.tokenizer : SID_TOKENIZER.kind) as TokenizerKind;
    if (!TOKENIZER_KINDS.includes(tokKind)) throw new CliError(`--tokenizer must be one of ${TOKENIZER_KINDS.join(', ')} (got "${tokKind}")`);
    let sids, tokenizer: unknown;
    if (resume) {
      if (resume.numItems !== data.ds.itemIds.length) throw new CliError(`${flags.resume}: checkpoint has ${resume.numItems} items, the data has ${data.ds.itemIds.length}`);
      sids = resume.sidTable;
      tokenizer = resume.tokenizer;
    } else {
      const r = await sidsForDataset(data.ws, data.ds, {
        kind: tokKind,
        levels: numFlag(flags, 'levels', SID_TOKENIZER.levels),
        codebookSize: numFlag(flags, 'K', SID_TOKENIZER.codebookSize),
        steps: numFlag(flags, 'tok-steps', q ? 50 : SID_TOKENIZER.steps),
        seed: args.seed,
        features: SID_TOKENIZER.features,
      });
      sids = r.table;
      tokenizer = r.tokenizer;
      log(`tokenizer ${tokKind}: widths [${sids.widths}], collision rate ${f4(r.tokenizer.collisionRate)}, ${(r.tokenizer.ms / 1000).toFixed(1)} s`);
    }
    const base = q ? HSD_REAL_DATA_QUICK : HSD_REAL_DATA;
    const bm = hsdConfig(base.model);
    const bt = slateTrainConfig(base.train);
    const model: Partial<HsdConfig> = {
      ...base.model,
      dim: numFlag(flags, 'dim', bm.dim),
      heads: numFlag(flags, 'heads', bm.heads),
      ffn: numFlag(flags, 'ffn', bm.ffn),
      encoderLayers: numFlag(flags, 'encoder-layers', bm.encoderLayers),
      slateLayers: numFlag(flags, 'slate-layers', bm.slateLayers),
      itemLayers: numFlag(flags, 'item-layers', bm.itemLayers),
      maxHistory: numFlag(flags, 'max-history', bm.maxHistory),
      pooling: (typeof flags.pooling === 'string' ? flags.pooling : bm.pooling) as HsdConfig['pooling'],
      preference: flags['no-preference'] !== true,
      sharedGenerator: flags['non-shared'] !== true,
      itemIdEmbedding: flags['no-item-id'] !== true && bm.itemIdEmbedding,
      dropout: numFlag(flags, 'dropout', bm.dropout),
    };
    let cfg: SlateTrainConfig;
    try {
      cfg = slateTrainConfig({
        ...bt,
        seed: args.seed,
        model,
        epochs: numFlag(flags, 'epochs', bt.epochs),
        stepsPerEpoch: numFlag(flags, 'steps-per-epoch', bt.stepsPerEpoch),
        batchSize: numFlag(flags, 'batch', bt.batchSize),
        lr: numFlag(flags, 'lr', bt.lr),
        warmup: numFlag(flags, 'warmup', bt.warmup),
        weightDecay: numFlag(flags, 'weight-decay', bt.weightDecay),
        patience: numFlag(flags, 'patience', bt.patience),
        beam: numFlag(flags, 'beam', bt.beam),
        validUsers: numFlag(flags, 'valid-users', bt.validUsers),
        recentWindows: numFlag(flags, 'recent-windows', bt.recentWindows),
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
    // --test <file>: the trained model (best validation epoch) on external held-out users, scored once after training
    let external: Record<string, unknown> | null = null;
    if (ext) {
      const dec = await decodeSlates(res.model, res.lookup, ext.seqs, ext.slates, { beam: cfg.beam, length: 5, batch: cfg.decodeBatch });
      const m = scoreSlates(dec.slates, ext.seqs, ext.slates, 5, 5);
      external = { ...ext.info, metrics: { k: 5, hit: m.hit, recall: m.recall, ndcg: m.ndcg, precision: m.precision, mrr: m.mrr } };
      log(`external test (${ext.file}): ${ext.info.users} users, recall@5 ${f4(m.recall)} NDCG@5 ${f4(m.ndcg)}`);
    }
    const ep = res.curves.epochs;
    const table = mdTable(
      ['epoch', 'step', 'train loss (Eq. 10, per slate)', 'valid recall@5', 'valid NDCG@5', 'valid hit@5', 'seconds'],
      ep.map((e) => [e.epoch, e.step, f4(e.trainLoss), f4(e.valid.recall5), f4(e.valid.ndcg5), f4(e.valid.hit5), Number(e.seconds.toFixed(1))]),
    );
    res.model.dispose();
    const extTable = external
      ? `\n\n${mdTable(['external test users', 'hit@5', 'recall@5', 'NDCG@5'], [[(external.users as number), ...(['hit', 'recall', 'ndcg'] as const).map((k) => f4((external!.metrics as Record<string, number>)[k]))]])}`
      : '';
    return {
      table: `${table}\n\nHSD ${res.params} parameters, best epoch ${res.bestEpoch}${res.stoppedEarly ? ' (early stop)' : ''}, ${res.secondsPerEpoch.toFixed(1)} s/epoch on ${backend}; checkpoint ${ckFile}${extTable}`,
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
        externalTest: external,
      },
    };
  },
};

export default command;
