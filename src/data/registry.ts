// Module-level registry of datasets on the page: the store keeps only a handle (string id), never typed arrays.

import type { Dataset } from './dataset';

const datasets = new Map<string, Dataset>();

export function registerDataset(id: string, ds: Dataset): void {
  datasets.set(id, ds);
}

export function getDataset(id: string): Dataset | undefined {
  return datasets.get(id);
}

export function dropDataset(id: string): void {
  datasets.delete(id);
}
