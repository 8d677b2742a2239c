// Docs figures written by the benchmark commands, never typed: the markdown between `<!-- bench:NAME -->` and
// `<!-- /bench:NAME -->` in a docs file is replaced by what the command measured.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeDocSection(file: string, name: string, markdown: string): void {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) throw new Error(`${file}: no ${open} … ${close} section to write the figures into`);
  writeFileSync(file, `${text.slice(0, a + open.length)}\n${markdown.trim()}\n${text.slice(b)}`);
}
