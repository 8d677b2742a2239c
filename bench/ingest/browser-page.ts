// The Chromium half of bench:ingest (bundled by esbuild into an IIFE and added to a blank page): parses the File chosen
// in <input id="f"> with one parser. Ours reads File.stream() (web streams, as in the app's data worker); papaparse
// gets the File itself (its own FileReader streaming, papaparse's best local-file setup).
import { runHigr, runPapaparse } from './parsers';

declare global { interface Window { __ingest: (parser: string) => Promise<unknown> } }

window.__ingest = async (parser: string) => {
  const file = (document.getElementById('f') as HTMLInputElement).files![0];
  return parser === 'higr' ? runHigr(file.name, file.size, file.stream() as ReadableStream<Uint8Array>) : runPapaparse(file, file.size);
};
