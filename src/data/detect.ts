// Detects a file's format from its first line (the header), never from its name.

import { normalizeHeaderCell, splitCsvLine } from './csv';
import { DataError, type FileKind } from './types';

export const INTERACTION_COLUMNS = ['user_id', 'video_id', 'play_duration', 'video_duration', 'time', 'date', 'timestamp', 'watch_ratio'] as const;

export interface Detection {
  kind: FileKind;
  /** Normalised column names (RecBole: name without the `:type` suffix). Empty for headerless formats. */
  columns: string[];
  hasHeader: boolean;
  sep: ',' | '\t';
}

const SEQUENCE_LINE = /^\s*\d+(?:[ \t]+\d+)+\s*$/;

/** Returns the detection, or throws DataError('unknown-format' | 'missing-columns') naming the file. */
export function detectFormat(firstLine: string, file: string): Detection {
  const line = firstLine.replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (SEQUENCE_LINE.test(line)) return { kind: 'sequences', columns: [], hasHeader: false, sep: ',' };

  if (line.includes('\t') && /:(token|float|token_seq|float_seq)\b/.test(line)) {
    const cols = line.split('\t').map((c) => normalizeHeaderCell(c.split(':')[0]));
    checkRepeated(cols, file);
    const missing = ['user_id', 'item_id'].filter((c) => !cols.includes(c));
    if (missing.length) throw missingColumns(file, 'RecBole .inter', missing);
    return { kind: 'recbole-inter', columns: cols, hasHeader: true, sep: '\t' };
  }

  const cols = splitCsvLine(line).map(normalizeHeaderCell);
  checkRepeated(cols, file);
  const has = (c: string) => cols.includes(c);
  const need = (fmt: string, kind: FileKind, required: readonly string[]): Detection => {
    const missing = required.filter((c) => !has(c));
    if (missing.length) throw missingColumns(file, fmt, missing);
    return { kind, columns: cols, hasHeader: true, sep: ',' };
  };

  if (has('user_id') && has('video_id') && (has('watch_ratio') || has('play_duration') || has('timestamp')))
    return need('KuaiRec interaction matrix (big_matrix/small_matrix)', 'interactions', INTERACTION_COLUMNS);
  if (has('video_id') && has('feat')) return need('item_categories.csv', 'item-categories', ['video_id', 'feat']);
  if (has('video_id') && (has('caption') || has('first_level_category_id')))
    return need('kuairec_caption_category.csv', 'captions', ['video_id', 'caption', 'first_level_category_id', 'second_level_category_id', 'third_level_category_id']);
  if (has('video_id') && has('date') && (has('show_cnt') || has('play_cnt') || has('like_cnt')))
    return need('item_daily_features.csv', 'item-daily-features', ['video_id', 'date']);
  if (has('user_id') && has('friend_list')) return need('social_network.csv', 'social-network', ['user_id', 'friend_list']);
  if (has('user_id') && (has('user_active_degree') || cols.some((c) => c.startsWith('onehot_feat'))))
    return need('user_features.csv', 'user-features', ['user_id', 'user_active_degree']);

  const shown = line.length > 80 ? line.slice(0, 80) + '…' : line;
  throw new DataError({
    file,
    kind: 'unknown-format',
    lines: [1],
    message: `${file}: unrecognised header "${shown}" (expected a KuaiRec CSV such as big_matrix/small_matrix, item_categories, kuairec_caption_category, user_features, item_daily_features, social_network, a RecBole .inter file, or "user item item ..." sequence lines)`,
  });
}

/** A header naming a column twice is refused (which of the two would be read is ambiguous). */
function checkRepeated(cols: string[], file: string): void {
  const seen = new Set<string>();
  for (const c of cols) {
    if (c !== '' && seen.has(c))
      throw new DataError({ file, kind: 'duplicate-column', lines: [1], message: `${file}: the header names column "${c}" twice (line 1); keep one of them` });
    seen.add(c);
  }
}

function missingColumns(file: string, fmt: string, missing: string[]): DataError {
  return new DataError({ file, kind: 'missing-columns', lines: [1], message: `${file}: looks like ${fmt} but is missing column(s) ${missing.join(', ')}` });
}
