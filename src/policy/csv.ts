import type { IdentityRecord } from './schema.ts';

export class CsvError extends Error {}

/**
 * Reads an HR export: RFC 4180 CSV with a header row. Each row becomes a record by the header's
 * names; an empty cell is an attribute the source did not give, so it is left out.
 */
export function parseCsv(text: string, file: string): IdentityRecord[] {
  return [...csvRecords(text, file)];
}

/**
 * The records of a CSV export one at a time, as `parseCsv` reads them: a large export is never
 * held as rows of cells and as records at once.
 */
export function* csvRecords(text: string, file: string): Generator<IdentityRecord> {
  const rows = csvRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  const first = rows.next();
  const header = first.done ? undefined : first.value;
  if (!header || header.every((name) => name === '')) throw new CsvError(`${file}: no header row`);
  let index = 0;
  for (const cells of rows) {
    if (cells.length !== header.length) {
      throw new CsvError(`${file}:${index + 2}: ${cells.length} cells, but the header names ${header.length}`);
    }
    const record: IdentityRecord = {};
    for (let i = 0; i < header.length; i++) if (cells[i] !== '') record[header[i]!] = cells[i]!;
    index++;
    yield record;
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Splits CSV text into rows of cells; quoted cells may hold commas, quotes ("") and line breaks.
 * Plain cells are sliced, not built a character at a time: exports run to 100,000 rows.
 */
function* csvRows(text: string, file: string): Generator<string[]> {
  let row: string[] = [];
  let line = 1;
  let i = 0;
  while (i <= text.length) {
    let cell: string;
    if (text.charCodeAt(i) === QUOTE) {
      const start = line;
      cell = '';
      i++;
      for (;;) {
        const next = text.indexOf('"', i);
        if (next === -1) throw new CsvError(`${file}:${start}: a quoted cell is never closed`);
        const chunk = text.slice(i, next);
        cell += chunk;
        for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', at + 1)) line++;
        i = next + 1;
        if (text.charCodeAt(i) !== QUOTE) break;
        cell += '"';
        i++;
      }
    } else {
      let end = i;
      for (let code = text.charCodeAt(end); end < text.length && code !== COMMA && code !== LF && code !== CR; code = text.charCodeAt(++end));
      cell = text.slice(i, end);
      i = end;
    }
    row.push(cell);
    const code = text.charCodeAt(i);
    if (code === COMMA) {
      i++;
      continue;
    }
    // A blank line is no row.
    if (row.length > 1 || row[0] !== '') yield row;
    row = [];
    if (i >= text.length) break;
    if (code !== LF && code !== CR) throw new CsvError(`${file}:${line}: text after a quoted cell`);
    i += code === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
  }
}
