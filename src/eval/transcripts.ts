/** Transcripts of the shared corpora by utterance id, read from their metadata.tsv, so committed set files carry ids, not corpus text. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ParlaError } from '../errors.js';
import { sharedDataDir } from './shared-data.js';

const cache = new Map<string, Map<string, string>>();

/** `<shared>/<source>/metadata.tsv` as id -> text; speechocean762's upper-case text is lower-cased, as the corpus build does. */
function transcripts(source: string, dataDir: string): Map<string, string> {
  const file = path.join(dataDir, source, 'metadata.tsv');
  let table = cache.get(file);
  if (table) return table;
  if (!existsSync(file)) throw new ParlaError('file_not_found', `transcripts of ${source} not found: ${file} (set PARLA_SHARED_DATA)`, { param: file });
  const [header, ...rows] = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const columns = header.split('\t');
  const idAt = columns.indexOf('id');
  const textAt = columns.indexOf('text');
  if (idAt < 0 || textAt < 0) throw new ParlaError('invalid_input', `${file} has no id/text columns`, { param: file });
  table = new Map(
    rows.map((row) => {
      const cells = row.split('\t');
      const text = cells[textAt] ?? '';
      return [cells[idAt], source === 'speechocean762' ? text.toLowerCase() : text] as const;
    }),
  );
  cache.set(file, table);
  return table;
}

export function corpusTranscript(source: string, id: string, dataDir = sharedDataDir()): string {
  const text = transcripts(source, dataDir).get(id);
  if (!text) throw new ParlaError('not_found', `no transcript for ${source} utterance ${id}`, { param: id });
  return text;
}
