// Docs figures written by the benchmark commands, never typed: the markdown between `<!-- bench:NAME -->` and
// `<!-- /bench:NAME -->` in a docs file is replaced by what the command measured (the splice is the docs generators'
// one helper, scripts/docs-section.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
// @ts-expect-error plain .mjs helper without types
import { replaceBenchSection } from '../scripts/docs-section.mjs';

export function writeDocSection(file: string, name: string, markdown: string): void {
  writeFileSync(file, replaceBenchSection(readFileSync(file, 'utf8'), name, markdown, file));
}
