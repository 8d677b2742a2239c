// The evaluation dataset every sequence stage (slate decoder, Table 1 models) assembles from: the CURRENT dataset of the
// data worker (the bundled set or the dropped files, with the Data panel's source), under either
//   reference  the reference leave-five-out protocol of the evaluation issue on that source (REFERENCE_PROTOCOL: effective
//              view = watch_ratio >= 2, users with >= 10 items, test = the last 5, validation = the 5 before, no minimum
//              history) — the protocol of `higr table1` / `higr train`, so browser and CLI figures compare; or
//   data       the Data panel's protocol as it is (slate size, validation slate, thresholds).
// One function for the browser (data worker) and the CLI (`higr run`, `higr train`, `higr decode`).
import type { Dataset } from '../data/dataset';
import { REFERENCE_PROTOCOL, minSequenceLength } from '../data/protocol';
import { leaveSlateOut, type Split } from '../data/split';
import type { StageData } from './types';

import type { ProtocolChoice } from './eval-data-config';

export { PROTOCOL_CHOICES, type ProtocolChoice } from './eval-data-config';

export interface EvaluationData {
  ds: Dataset;
  split: Split;
  /** one line: source, protocol, users, items (shown above every result) */
  protocol: string;
  source: string;
}

/** The first `n` users of a dataset (0 = all): smoke runs on a few users. */
export function firstUsers(ds: Dataset, n: number): Dataset {
  if (!n || n >= ds.userIds.length) return ds;
  return { ...ds, userIds: ds.userIds.subarray(0, n), seqOffsets: ds.seqOffsets.subarray(0, n + 1), seqItems: ds.seqItems.subarray(0, ds.seqOffsets[n]) };
}

export function evaluationData(data: StageData, choice: ProtocolChoice, o: { users?: number } = {}): EvaluationData {
  const cur = data.dataset;
  if (!cur) throw new Error('no dataset loaded: load the bundled data or drop an interaction / sequence file in the Data panel');
  const full = choice === 'reference' ? data.workspace.build({ ...REFERENCE_PROTOCOL, source: cur.protocol.source }).dataset : cur;
  const ds = firstUsers(full, o.users ?? 0);
  const p = ds.protocol;
  if (!ds.userIds.length) throw new Error(`${p.source}: no user has >= ${minSequenceLength(p)} effective views (watch_ratio >= ${p.effectiveViewThreshold}) under the ${choice} protocol`);
  const split = leaveSlateOut(ds);
  const M = p.slateSize;
  const label = data.source?.bundled ? `${p.source} (bundled)` : p.source;
  const protocol =
    `${choice === 'reference' ? 'reference leave-five-out' : `Data panel protocol (leave-${M}-out)`} on ${label}: users with >= ${minSequenceLength(p)} items; ` +
    `test target = last ${M}${p.validation ? `, validation = the ${M} before` : ''}, test input = everything before the last ${M}; ` +
    `all ${ds.itemIds.length} items ranked; history excluded; k = 5; impressions ${p.impressionsAvailable ? 'from the matrix' : 'n/a (positives only)'}`;
  return { ds, split, protocol, source: label };
}
