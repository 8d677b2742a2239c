// Seeded synthetic KuaiRec in the EXACT raw schema (big_matrix/small_matrix, item_categories, kuairec_caption_category,
// user_features) with planted structure: users belong to clusters, each cluster prefers a few first-level categories,
// so watch_ratio (and hence effective views), co-occurrence and category/caption features are informative.

import { createRng, type Rng } from '../math/rng';

export interface SyntheticOptions {
  seed?: number;
  users?: number;
  items?: number;
  categories?: number;
  clusters?: number;
  /** Impressions per user: uniform in [min, max]. */
  minImpressions?: number;
  maxImpressions?: number;
  /** Fraction of small_matrix rows with empty time/date/timestamp. */
  emptyTimeFraction?: number;
}

export interface SyntheticTruth {
  userCluster: Int32Array; // per user id
  itemCategory: Int32Array; // first-level category per video id
  clusterCategories: number[][];
}

export interface SyntheticKuaiRec {
  files: Record<string, string>;
  truth: SyntheticTruth;
}

export const INTERACTION_HEADER = 'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio';
export const USER_FEATURES_HEADER =
  'user_id,user_active_degree,is_lowactive_period,is_live_streamer,is_video_author,follow_user_num,follow_user_num_range,fans_user_num,fans_user_num_range,friend_user_num,friend_user_num_range,register_days,register_days_range,' +
  Array.from({ length: 18 }, (_, i) => `onehot_feat${i}`).join(',');
export const CAPTION_HEADER =
  'video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name';

const CHAR_POOLS = ['颜值美女帅哥自拍随拍', '美食做饭吃播厨房味道', '舞蹈跳舞音乐节奏街舞', '游戏王者电竞手游直播', '搞笑喜剧段子幽默快乐', '运动健身篮球足球跑步', '亲子宝宝妈妈孩子家庭', '旅行风景摄影城市山水', '汽车驾驶改装新车试驾', '宠物猫咪狗狗可爱萌宠'];
const CAT_NAMES = ['颜值', '美食', '舞蹈', '游戏', '喜剧', '运动', '亲子', '旅行', '汽车', '宠物'];

interface World {
  o: Required<SyntheticOptions>;
  userCluster: Int32Array;
  itemCategory: Int32Array;
  itemTag2: Int32Array; // secondary tag or -1
  clusterCategories: number[][];
  videoDuration: Int32Array;
}

function makeWorld(opts: SyntheticOptions): World {
  const o: Required<SyntheticOptions> = {
    seed: 1, users: 60, items: 200, categories: 8, clusters: 4, minImpressions: 30, maxImpressions: 80, emptyTimeFraction: 0.03, ...opts,
  };
  const r = createRng(o.seed * 7919 + 17);
  const userCluster = Int32Array.from({ length: o.users }, () => r.int(o.clusters));
  const itemCategory = Int32Array.from({ length: o.items }, (_, i) => i % o.categories);
  const itemTag2 = Int32Array.from({ length: o.items }, () => (r.next() < 0.4 ? o.categories + r.int(4) : -1));
  const clusterCategories = Array.from({ length: o.clusters }, (_, c) => [c % o.categories, (c + Math.floor(o.categories / 2)) % o.categories]);
  const videoDuration = Int32Array.from({ length: o.items }, () => 5000 + r.int(60000));
  return { o, userCluster, itemCategory, itemTag2, clusterCategories, videoDuration };
}

/** Formats seconds (with ms) as KuaiRec does: 1-3 fractional digits, trailing zeros dropped. */
export function formatFraction(sec: number, ms: number): string {
  let f = String(ms).padStart(3, '0').replace(/0+$/, '');
  if (f === '') f = '0';
  return `${sec}.${f}`;
}

/** KuaiRec `time`/`date` are Beijing time (UTC+8). */
function formatTime(sec: number, ms: number): { time: string; date: string } {
  const d = new Date((sec + 8 * 3600) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
  const frac = formatFraction(0, ms).slice(2);
  const time = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${frac}`;
  return { time, date };
}

function interactionRow(w: World, r: Rng, u: number, t: { sec: number }, emptyTime: boolean): string {
  const { o } = w;
  const prefers = w.clusterCategories[w.userCluster[u]];
  const preferred = r.next() < 0.6;
  let v = r.int(o.items);
  if (preferred) {
    const cat = prefers[r.int(prefers.length)];
    v = cat + o.categories * r.int(Math.max(1, Math.floor((o.items - cat - 1) / o.categories) + 1));
    if (v >= o.items) v = cat;
  }
  const liked = prefers.includes(w.itemCategory[v]);
  const ratio = Math.exp((liked ? Math.log(2.2) : Math.log(0.45)) + 0.5 * r.normal());
  const vd = w.videoDuration[v];
  const play = Math.round(ratio * vd);
  const wr = Number((play / vd).toFixed(6)); // KuaiRec prints watch_ratio with up to 6 decimals
  t.sec += 1 + r.int(600);
  const ms = 1 + r.int(999);
  if (emptyTime) return `${u},${v},${play},${vd},,,,${wr}`;
  const { time, date } = formatTime(t.sec, ms);
  return `${u},${v},${play},${vd},${time},${date},${formatFraction(t.sec, ms)},${wr}`;
}

/** Yields big_matrix-schema CSV text in chunks (header first), `rows` rows in total; for large benchmark files. */
export function* interactionCsvChunks(opts: SyntheticOptions & { rows: number; rowsPerChunk?: number; emptyTime?: boolean }): Generator<string> {
  const w = makeWorld(opts);
  const r = createRng((opts.seed ?? 1) * 31 + 5);
  const per = opts.rowsPerChunk ?? 50_000;
  yield INTERACTION_HEADER + '\n';
  const perUser = Math.max(1, Math.ceil(opts.rows / w.o.users));
  let written = 0;
  let u = 0;
  let t = { sec: 1593878400 };
  let inUser = 0;
  while (written < opts.rows) {
    const lines: string[] = [];
    const end = Math.min(opts.rows, written + per);
    for (; written < end; written++) {
      if (inUser === perUser) { u = (u + 1) % w.o.users; inUser = 0; t = { sec: 1593878400 + r.int(3600) }; }
      inUser++;
      lines.push(interactionRow(w, r, u, t, !!opts.emptyTime && r.next() < w.o.emptyTimeFraction));
    }
    yield lines.join('\n') + '\n';
  }
}

/** Generates the five raw files as strings plus the planted truth. */
export function generateSyntheticKuaiRec(opts: SyntheticOptions = {}): SyntheticKuaiRec {
  const w = makeWorld(opts);
  const { o } = w;
  const r = createRng(o.seed);
  const big: string[] = [INTERACTION_HEADER];
  const small: string[] = [INTERACTION_HEADER];
  for (let u = 0; u < o.users; u++) {
    const n = o.minImpressions + r.int(o.maxImpressions - o.minImpressions + 1);
    const t = { sec: 1593878400 + r.int(86400) };
    for (let k = 0; k < n; k++) big.push(interactionRow(w, r, u, t, false));
    if (u % 2 === 0) {
      // small matrix: half of the users, some rows without time/date/timestamp
      const t2 = { sec: 1593878400 + r.int(86400) };
      for (let k = 0; k < n; k++) small.push(interactionRow(w, r, u, t2, r.next() < o.emptyTimeFraction));
    }
  }
  const cats: string[] = ['video_id,feat'];
  const caps: string[] = [CAPTION_HEADER];
  let strayCR = 0;
  for (let v = 0; v < o.items; v++) {
    const c = w.itemCategory[v];
    const t2 = w.itemTag2[v];
    cats.push(t2 >= 0 ? `${v},"[${c}, ${t2}]"` : `${v},[${c}]`);
    const pool = CHAR_POOLS[c % CHAR_POOLS.length];
    let cap = Array.from({ length: 4 + r.int(8) }, () => pool[r.int(pool.length)]).join('');
    if (strayCR < 2 && v % 37 === 5) { cap = cap.slice(0, 2) + '\r' + cap.slice(2); strayCR++; }
    const name = CAT_NAMES[c % CAT_NAMES.length];
    caps.push(`${v},UNKNOWN,${cap},"[${name}]",${c},${name},${100 + c * 10 + r.int(3)},${name}子类,-124,UNKNOWN`);
  }
  const uf: string[] = [USER_FEATURES_HEADER];
  const degrees = ['high_active', 'full_active', 'middle_active', 'UNKNOWN'];
  for (let u = 0; u < o.users; u++) {
    const follow = r.int(500);
    const onehot = Array.from({ length: 18 }, (_, i) => (i === 0 ? w.userCluster[u] : r.int(i < 6 ? 30 : 2)));
    uf.push([u, r.pick(degrees), r.int(2), r.int(2), r.int(2), follow, follow < 10 ? '"(0,10]"' : '"(10,50]"', r.int(20), '"[1,10)"', r.int(5), '"[1,5)"', 30 + r.int(300), '61-90', ...onehot].join(','));
  }
  return {
    files: {
      'big_matrix.csv': big.join('\n') + '\n',
      'small_matrix.csv': small.join('\n') + '\n',
      'item_categories.csv': cats.join('\n') + '\n',
      'kuairec_caption_category.csv': caps.join('\n') + '\n',
      'user_features.csv': uf.join('\n') + '\n',
    },
    truth: { userCluster: w.userCluster, itemCategory: w.itemCategory, clusterCategories: w.clusterCategories },
  };
}
