// The CLI's run store: one directory, a record and a checkpoint file per run (v8 serialisation keeps typed arrays),
// so `higr run --resume <id>` continues a run stopped with Ctrl-C or killed mid-way.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { RunStore } from '../stages/run-store';
import type { RunRecord } from '../stages/types';

const safe = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_');

export function fsRunStore(dir: string): RunStore {
  const file = (id: string, ext: string) => path.join(dir, `${safe(id)}.${ext}`);
  const read = <T>(p: string): T | undefined => (fs.existsSync(p) ? (v8.deserialize(fs.readFileSync(p)) as T) : undefined);
  const write = (p: string, v: unknown) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${p}.tmp`, v8.serialize(v));
    fs.renameSync(`${p}.tmp`, p); // a kill mid-write never leaves a torn checkpoint
  };
  return {
    async put(r) {
      write(file(r.id, 'run'), r);
    },
    async get(id) {
      return read<RunRecord>(file(id, 'run'));
    },
    async list(stage) {
      if (!fs.existsSync(dir)) return [];
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.run'))
        .map((f) => read<RunRecord>(path.join(dir, f))!)
        .filter((r) => !stage || r.stage === stage)
        .sort((a, b) => b.createdAt - a.createdAt);
    },
    async remove(id) {
      for (const ext of ['run', 'ckpt', 'result']) fs.rmSync(file(id, ext), { force: true });
    },
    async putCheckpoint(id, c) {
      write(file(id, 'ckpt'), c);
    },
    async getCheckpoint<C>(id: string) {
      return read<C>(file(id, 'ckpt'));
    },
    async putResult(id, r) {
      write(file(id, 'result'), r);
    },
    async getResult<R>(id: string) {
      return read<R>(file(id, 'result'));
    },
  };
}
