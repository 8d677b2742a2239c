// Writes the planted successor-chain data of src/models/baselines.test.ts (plantedSequences seed 3) to
// /tmp/bert4rec-planted.json for the PyTorch replica (scripts/experiments/bert4rec-planted-replica.py).
import { writeFileSync } from 'node:fs';
import { plantedSequences } from '../../src/eval/planted';
const d = plantedSequences({ seed: 3 });
writeFileSync('/tmp/bert4rec-planted.json', JSON.stringify({ nItems: d.train.nItems, offsets: Array.from(d.train.offsets), items: Array.from(d.train.items), test: d.test.map((c) => ({ h: Array.from(c.history), t: Array.from(c.target) })) }));
