import { HR_SOURCE, onlyKept } from './hr-events.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CsvError, csvRecords } from '../policy/csv.ts';
import { identityKeyAttribute, sourceAttributes, type PolicySet } from '../policy/loader.ts';
import { IdentityRecord } from '../policy/schema.ts';
import { YamlSource } from '../policy/yaml-source.ts';
import { identityKeyProblem } from './identity-key.ts';
import type { SnapshotImportInput } from './snapshot-import.ts';


/** Problems listed in full; an export broken throughout says so without printing every row. */
const SHOWN_PROBLEMS = 10;

export class HrExportError extends Error {}

/** An export column's name → the record attribute it fills. */
export type ColumnMapping = Record<string, string>;

export interface HrExport {
  records: IdentityRecord[];
  /** A short hash of the file's bytes: the same export imported twice is recognisably one batch. */
  batchId: string;
}

async function readBytes(file: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new HrExportError(error.code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read: ${error.message}`);
  });
}

/** UTF-8 without the byte-order mark that exports written on Windows often start with. */
const utf8 = (bytes: Buffer) => new TextDecoder().decode(bytes);

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ');
    // JSON.parse says where only for some errors; the YAML parser, given the same text, for most others.
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? new YamlSource(file, text).syntaxProblems()[0]?.line : text.slice(0, Number(position)).split('\n').length;
    throw new HrExportError(`${line === undefined ? file : `${file}:${line}`}: not JSON: ${message}`);
  }
}

/** Reads a column mapping, `{ "<column>": "<attribute>" }`; two columns may not fill one attribute. */
export async function readColumnMapping(file: string): Promise<ColumnMapping> {
  const data = parseJson(utf8(await readBytes(file)), file);
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new HrExportError(`${file}: a column mapping is a JSON object, { "<column>": "<attribute>" }`);
  const filledBy = new Map<string, string>();
  for (const [column, attribute] of Object.entries(data)) {
    if (typeof attribute !== 'string' || attribute.trim() === '') throw new HrExportError(`${file}: column "${column}" must map to an attribute name`);
    const other = filledBy.get(attribute);
    if (other !== undefined) throw new HrExportError(`${file}: columns "${other}" and "${column}" both map to "${attribute}"`);
    filledBy.set(attribute, column);
  }
  return data as ColumnMapping;
}

/** The records of a JSON export, an array of records or `{"records": […]}`, with where each is written. */
function jsonRecords(text: string, file: string): { rows: unknown[]; where: (index: number) => string } {
  const data = parseJson(text, file);
  const nested = !!data && typeof data === 'object' && !Array.isArray(data) && Array.isArray((data as { records?: unknown }).records);
  const rows = nested ? (data as { records: unknown[] }).records : data;
  if (!Array.isArray(rows)) throw new HrExportError(`${file}: a JSON export is an array of records or {"records": […]}`);
  let source: YamlSource | undefined;
  const where = (index: number) => {
    // Only an export with problems is parsed again, for their lines.
    source ??= new YamlSource(file, text);
    const offset = source.nodeAt(nested ? ['records', index] : [index])?.range?.[0] ?? 0;
    return `${file}:${source.problemAt(offset, '').line}`;
  };
  return { rows, where };
}

function withColumnsMapped(record: IdentityRecord, columns: ColumnMapping): IdentityRecord {
  const mapped: IdentityRecord = {};
  for (const [column, value] of Object.entries(record)) {
    const attribute = columns[column];
    if (attribute !== undefined) mapped[attribute] = value;
  }
  return mapped;
}

const keyProblem = (record: IdentityRecord, keyAttribute: string) => identityKeyProblem(record[keyAttribute], keyAttribute);

/** The export's text and its batch id; the bytes are let go once both are had. */
async function readExportText(file: string): Promise<{ text: string; batchId: string }> {
  const bytes = await readBytes(file);
  return { text: utf8(bytes), batchId: createHash('sha256').update(bytes).digest('hex').slice(0, 12) };
}

/**
 * Reads an HR export: CSV with a header row (an empty cell is an attribute not given), or JSON
 * (`.json`). With a column mapping, columns are renamed to attributes and the columns it does not
 * name are dropped; with `kept`, a record keeps only those attributes and its key. Every row must
 * carry a distinct identity key; the problems are listed with the file and line they are on,
 * and nothing of a bad export is returned. CSV rows become records one at a time, each kept only
 * in its final form.
 */
export async function readHrExport(file: string, options: { keyAttribute: string; columns?: ColumnMapping; kept?: ReadonlySet<string> }): Promise<HrExport> {
  const { keyAttribute, columns, kept } = options;
  if (columns && !Object.values(columns).includes(keyAttribute)) throw new HrExportError(`the column mapping maps no column to ${keyAttribute}, the identity key`);
  const { text, batchId } = await readExportText(file);
  const problems: string[] = [];
  let rows: Iterable<unknown>;
  let where: (index: number) => string;
  if (path.extname(file).toLowerCase() === '.json') {
    ({ rows, where } = jsonRecords(text, file));
  } else {
    rows = csvRecords(text, file);
    // As csvRecords counts: the header is line 1.
    where = (index) => `${file}:${index + 2}`;
  }
  const firstRow = new Map<string, number>();
  const records: IdentityRecord[] = [];
  let index = 0;
  try {
    for (const row of rows) {
      const at = index++;
      const parsed = IdentityRecord.safeParse(row);
      if (!parsed.success) {
        const [issue] = parsed.error.issues;
        problems.push(`${where(at)}: not a record of attributes${issue!.path.length ? ` (${issue!.path.join('.')}: ${issue!.message})` : ''}`);
        continue;
      }
      const record = columns ? withColumnsMapped(parsed.data, columns) : parsed.data;
      const problem = keyProblem(record, keyAttribute);
      if (problem) {
        problems.push(`${where(at)}: ${problem}`);
        continue;
      }
      const key = String(record[keyAttribute]);
      const first = firstRow.get(key);
      if (first !== undefined) problems.push(`${where(at)}: ${keyAttribute} ${key} again, first at ${where(first)}`);
      else firstRow.set(key, at);
      records.push(kept ? onlyKept(record, kept, keyAttribute) : record);
    }
  } catch (error) {
    if (error instanceof CsvError) throw new HrExportError(error.message);
    throw error;
  }
  if (problems.length > 0) {
    const more = problems.length - SHOWN_PROBLEMS;
    throw new HrExportError([...problems.slice(0, SHOWN_PROBLEMS), ...(more > 0 ? [`… and ${more} more`] : [])].join('\n'));
  }
  return { records, batchId };
}

/**
 * An export as the policies of its source read it, ready for `importSnapshot`: what
 * `tenure hr import` and the scheduled pull both import.
 */
export async function loadHrExport(
  policySet: PolicySet,
  file: string,
  options: { source: string; columnsFile: string | undefined },
): Promise<Omit<SnapshotImportInput, 'now'>> {
  const keyAttribute = identityKeyAttribute(policySet, options.source);
  if (keyAttribute === undefined) throw new HrExportError(`no lifecycle policy has source "${options.source}", so the export's rows cannot be identified`);
  const columns = options.columnsFile === undefined ? undefined : await readColumnMapping(options.columnsFile);
  // As the webhook does: what no policy declares never reaches Temporal, and an export carrying
  // more columns than the webhook sends is not a change for everyone the webhook last updated.
  const kept = sourceAttributes(policySet, options.source);
  return { source: options.source, ...(await readHrExport(file, { keyAttribute, columns, kept })) };
}
