// Full-catalogue ranking: the k highest-scoring items, excluding a set (e.g. the user's history), ties broken by the
// lower item id so results are deterministic. Used by every ranking baseline and by score-based decoders.

/** Indices of the k largest scores not in `exclude`, best first. NaN scores are an error (never ranked silently). */
export function topKExcluding(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number> | ArrayLike<number>): number[] {
  const ex = exclude === undefined ? undefined : exclude instanceof Set ? exclude : new Set(Array.from(exclude as ArrayLike<number>));
  const best: number[] = []; // sorted best first, length <= k
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`topKExcluding: score of item ${i} is NaN`);
    if (ex?.has(i)) continue;
    if (best.length === k && !(s > scores[best[k - 1]])) continue;
    let j = best.length < k ? best.length : k - 1;
    while (j > 0 && s > scores[best[j - 1]]) {
      if (j < k) best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
    if (best.length > k) best.length = k;
  }
  return best;
}
