// Tokenizer quality metrics (the Table 2 analogue). The paper names collision, concentration and consistency but
// does not define them; the definitions used here are written out in docs/tokenizers.md and repeated per function.
// All functions are pure CPU code on plain typed arrays: codes are (n, D) row-major, pairs are (P, 2) item rows.

export interface LevelStats {
  /** codes used by at least one item / K */
  utilisation: number;
  used: number;
  K: number;
  /** entropy of the code distribution at this level, in bits */
  entropyBits: number;
  /** entropy / log2(K): 1 = perfectly uniform use of the codebook */
  entropyNorm: number;
}

export interface TokenizerMetrics {
  items: number;
  depth: number;
  /** share of items whose full D-level code is shared with at least one other item (↓) */
  collisionRate: number;
  collisionGroups: number;
  maxCollisionGroup: number;
  /**
   * Level-1 prefix purity (↑): for each level-1 prefix, the share of its items carrying the prefix's most frequent
   * label (KuaiRec first-level category, or the planted group); averaged over items. null without labels.
   */
  concentration: number | null;
  /** the purity a random assignment with the same prefix sizes would get (baseline for concentration) */
  concentrationChance: number | null;
  /** share of held-out positive pairs whose two items share the level-1 code (↑) */
  consistency: number;
  /** share of held-out positive pairs sharing the whole prefix s1..s_{D-1} */
  consistencyPrefix: number;
  /** per level d: share of held-out pairs sharing s1..sd */
  consistencyByDepth: number[];
  /** probability that two random items share the level-1 code (Σ p_k²): the chance level of `consistency` */
  consistencyChance: number;
  /** chance-corrected consistency (Cohen's-κ form): (consistency − chance) / (1 − chance); 0 = chance, 1 = every pair */
  consistencyKappa: number;
  /** binomial standard error of `consistency` on `heldOutPairs` pairs */
  consistencyStdErr: number;
  heldOutPairs: number;
  /** level-1 agreement on the inductive held-out pairs (neither item in any training pair); null without such pairs */
  consistencyInductive: number | null;
  consistencyInductiveKappa: number | null;
  inductivePairs: number;
  /** share of items in the 10% most populated level-1 prefixes (descriptive; not a quality score) */
  top10PrefixShare: number;
  levels: LevelStats[];
  /** mean over items of ‖x̂ − x‖² (input space) */
  recon: number;
  /** recon / mean ‖x − x̄‖² (fraction of feature variance not reconstructed) */
  reconRel: number;
}

/** Utilisation and entropy of each level. */
export function levelStats(codes: Int32Array, n: number, D: number, K: number[]): LevelStats[] {
  const out: LevelStats[] = [];
  for (let d = 0; d < D; d++) {
    const cnt = new Int32Array(K[d]);
    for (let i = 0; i < n; i++) cnt[codes[i * D + d]]++;
    let used = 0;
    let H = 0;
    for (const c of cnt) {
      if (!c) continue;
      used++;
      const p = c / n;
      H -= p * Math.log2(p);
    }
    out.push({ utilisation: used / K[d], used, K: K[d], entropyBits: H, entropyNorm: K[d] > 1 ? H / Math.log2(K[d]) : 0 });
  }
  return out;
}

/** Share of items whose full D-level code is shared with another item, number of such groups and the largest group. */
export function collisions(codes: Int32Array, n: number, D: number): { rate: number; groups: number; maxGroup: number } {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = Array.prototype.join.call(codes.subarray(i * D, i * D + D), ',');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  let items = 0;
  let groups = 0;
  let maxGroup = n ? 1 : 0;
  for (const c of m.values()) {
    if (c > 1) {
      items += c;
      groups++;
      maxGroup = Math.max(maxGroup, c);
    }
  }
  return { rate: n ? items / n : 0, groups, maxGroup };
}

/** Per depth d = 1..D: share of pairs (P, 2) whose items share codes s1..sd. */
export function pairPrefixAgreement(codes: Int32Array, D: number, pairs: Int32Array): number[] {
  const P = pairs.length / 2;
  const agree = new Array(D).fill(0);
  for (let p = 0; p < P; p++) {
    const a = pairs[2 * p] * D;
    const b = pairs[2 * p + 1] * D;
    for (let d = 0; d < D; d++) {
      if (codes[a + d] !== codes[b + d]) break;
      agree[d]++;
    }
  }
  return agree.map((c) => (P ? c / P : 0));
}

/**
 * Item-weighted purity of level-1 prefixes w.r.t. `labels` (−1 = unknown, ignored), and the expected purity of a
 * random assignment into prefixes of the same sizes (estimated with a seeded shuffle).
 */
export function prefixPurity(codes: Int32Array, n: number, D: number, labels: Int32Array): { purity: number; chance: number } | null {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i] >= 0) rows.push(i);
  if (!rows.length) return null;
  const purityOf = (lab: (j: number) => number) => {
    const byPrefix = new Map<number, Map<number, number>>();
    rows.forEach((i, j) => {
      const k = codes[i * D];
      let m = byPrefix.get(k);
      if (!m) byPrefix.set(k, (m = new Map()));
      const l = lab(j);
      m.set(l, (m.get(l) ?? 0) + 1);
    });
    let top = 0;
    for (const m of byPrefix.values()) top += Math.max(...m.values());
    return top / rows.length;
  };
  const purity = purityOf((j) => labels[rows[j]]);
  // chance: same prefix sizes, labels permuted (mulberry32, fixed seed)
  const perm = rows.map((i) => labels[i]);
  let a = 0x2545f491;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const chance = purityOf((j) => perm[j]);
  return { purity, chance };
}

/** Chance-corrected agreement (observed − chance) / (1 − chance), as in Cohen's κ; 0 when chance = 1. */
export function kappa(observed: number, chance: number): number {
  return chance < 1 ? (observed - chance) / (1 - chance) : 0;
}

export interface MetricInputs {
  codes: Int32Array;
  n: number;
  D: number;
  K: number[];
  /** held-out positive pairs (P, 2), item rows; never used by the contrastive loss */
  heldOut: Int32Array;
  /** inductive held-out pairs (neither item in a training pair), or undefined */
  heldOutInductive?: Int32Array;
  /** per-item label for concentration (−1 unknown), or undefined */
  labels?: Int32Array;
  /** per-item ‖x̂ − x‖² and ‖x − x̄‖² */
  reconErr: Float32Array;
  featVar: number;
}

export function tokenizerMetrics(m: MetricInputs): TokenizerMetrics {
  const { codes, n, D, K } = m;
  const col = collisions(codes, n, D);
  const levels = levelStats(codes, n, D, K);
  const byDepth = pairPrefixAgreement(codes, D, m.heldOut);
  const pur = m.labels ? prefixPurity(codes, n, D, m.labels) : null;
  // chance of sharing the level-1 code, and the top-10% prefix share
  const cnt = new Float64Array(K[0]);
  for (let i = 0; i < n; i++) cnt[codes[i * D]]++;
  let chance = 0;
  for (const c of cnt) chance += (c / n) * (c / n);
  const sorted = Array.from(cnt).filter((c) => c > 0).sort((a, b) => b - a);
  const topN = Math.max(1, Math.ceil(0.1 * sorted.length));
  const top10 = sorted.slice(0, topN).reduce((a, b) => a + b, 0) / Math.max(1, n);
  const cons = byDepth[0] ?? 0;
  const P = m.heldOut.length / 2;
  const ind = m.heldOutInductive?.length ? pairPrefixAgreement(codes, D, m.heldOutInductive)[0] : null;
  let recon = 0;
  for (let i = 0; i < n; i++) recon += m.reconErr[i];
  recon = n ? recon / n : 0;
  return {
    items: n,
    depth: D,
    collisionRate: col.rate,
    collisionGroups: col.groups,
    maxCollisionGroup: col.maxGroup,
    concentration: pur?.purity ?? null,
    concentrationChance: pur?.chance ?? null,
    consistency: cons,
    consistencyPrefix: byDepth[Math.max(0, D - 2)] ?? 0,
    consistencyByDepth: byDepth,
    consistencyChance: chance,
    consistencyKappa: kappa(cons, chance),
    consistencyStdErr: P ? Math.sqrt((cons * (1 - cons)) / P) : 0,
    heldOutPairs: P,
    consistencyInductive: ind,
    consistencyInductiveKappa: ind === null ? null : kappa(ind, chance),
    inductivePairs: (m.heldOutInductive?.length ?? 0) / 2,
    top10PrefixShare: top10,
    levels,
    recon,
    reconRel: m.featVar > 0 ? recon / m.featVar : 0,
  };
}

/** Per-item squared error ‖a_i − b_i‖² of two (n, d) matrices, and the mean ‖a_i − ā‖² of `a` (total variance). */
export function rowSqErr(a: Float32Array, b: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = a[i * d + j] - b[i * d + j];
      s += t * t;
    }
    out[i] = s;
  }
  return out;
}

export function totalVariance(x: Float32Array, n: number, d: number): number {
  if (!n) return 0;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  let s = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      s += t * t;
    }
  return s / n;
}
