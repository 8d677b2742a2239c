// Panel registry: one entry per PanelId (src/state/url.ts), in navigation order.
// `DEFS` is a record over PanelId, so adding an id to the URL schema without a panel (or vice versa) is a type error.
//
// Adding/replacing a panel: write src/ui/panels/<Name>Panel.tsx with a DEFAULT export (a component with no props that
// reads what it needs from the store with selectors), then point the entry below at it with lazy(() => import(...)).
// A new id also goes into PANEL_IDS in src/state/url.ts.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { PANEL_IDS, type PanelId } from '../../state/url';

export interface PanelDef {
  id: PanelId;
  title: string;
  /** Pipeline stage number (0 = overview, 1 = data ... 8 = export). */
  stage: number;
  /** One line, shown as the nav tooltip and in the overview's stage table. */
  summary: string;
  component: LazyExoticComponent<ComponentType> | ComponentType;
}

const DEFS: { [K in PanelId]: Omit<PanelDef, 'id'> } = {
  overview: {
    title: 'Overview',
    stage: 0,
    summary: 'WebGPU adapter, limits and features; the pipeline at a glance',
    component: lazy(() => import('./GpuPanel')),
  },
  data: {
    title: 'Data',
    stage: 1,
    summary: 'KuaiRec loading (bundled or dropped files), protocol and splits',
    component: lazy(() => import('./DataPanel')),
  },
  tokenizer: {
    title: 'Tokenizer',
    stage: 2,
    summary: 'CRQ-VAE semantic IDs (vs RQ-VAE, RQ-Kmeans)',
    component: lazy(() => import('./TokenizerPanel')),
  },
  prefix: {
    title: 'Prefix explorer',
    stage: 3,
    summary: 'Browse the semantic-ID prefix tree and what items share a prefix',
    component: lazy(() => import('./PrefixExplorerPanel')),
  },
  slate: {
    title: 'Slate model',
    stage: 4,
    summary: 'Hierarchical slate decoder: slate planner + item generator',
    component: lazy(() => import('./SlateModelPanel')),
  },
  decoding: {
    title: 'Decoding',
    stage: 5,
    summary: 'Greedy-slate beam-item (GSBI) inference vs full beam search',
    component: lazy(() => import('./DecodingPanel')),
  },
  alignment: {
    title: 'Alignment',
    stage: 6,
    summary: 'Slate-level preference pairs and ORPO / DPO / SimPO post-training',
    component: lazy(() => import('./AlignmentPanel')),
  },
  evaluation: {
    title: 'Evaluation',
    stage: 7,
    summary: 'Leave-five-out hit / recall / NDCG, baselines, speed',
    component: lazy(() => import('./EvaluationPanel')),
  },
  export: {
    title: 'Export',
    stage: 8,
    summary: 'Checkpoints (config + weights), ONNX, result JSON',
    component: lazy(() => import('./ExportPanel')),
  },
  runs: {
    title: 'Runs',
    stage: 0,
    summary: 'Every training run of every stage: list, resume, compare (overlaid curves, metrics side by side), delete',
    component: lazy(() => import('./RunsPanel')),
  },
};

export const PANELS: PanelDef[] = PANEL_IDS.map((id) => ({ id, ...DEFS[id] }));

export function panelById(id: PanelId): PanelDef {
  return PANELS.find((p) => p.id === id) ?? PANELS[0];
}
