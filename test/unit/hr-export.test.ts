import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import { HrExportError, loadHrExport, readColumnMapping, readHrExport } from '../../src/sources/hr-export.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenure-hr-export-'));
});

/** Writes a file into the test's folder and returns its path. */
async function file(name: string, text: string): Promise<string> {
  const at = path.join(dir, name);
  await writeFile(at, text);
  return at;
}

const read = (at: string, columns?: Record<string, string>) => readHrExport(at, { keyAttribute: 'employee_id', columns });

describe('reading an HR export', () => {
  it('reads a CSV export row by row, leaving empty cells out', async () => {
    const at = await file('people.csv', 'employee_id,first_name,termination_date\nE1,Zoë,\nE2,"King, Ada",2026-12-31\n');
    expect((await read(at)).records).toEqual([
      { employee_id: 'E1', first_name: 'Zoë' },
      { employee_id: 'E2', first_name: 'King, Ada', termination_date: '2026-12-31' },
    ]);
  });

  it('reads a JSON export, an array of records or {"records": […]}', async () => {
    const records = [{ employee_id: 'E1', active: true, level: 3, termination_date: null }];
    expect((await read(await file('array.json', JSON.stringify(records)))).records).toEqual(records);
    expect((await read(await file('bom.json', `\ufeff${JSON.stringify(records)}`))).records).toEqual(records);
    expect((await read(await file('object.json', JSON.stringify({ exportedAt: 'today', records })))).records).toEqual(records);
  });

  it('names the same bytes the same batch, and other bytes another', async () => {
    const first = await read(await file('a.csv', 'employee_id\nE1\n'));
    const again = await read(await file('b.csv', 'employee_id\nE1\n'));
    const other = await read(await file('c.csv', 'employee_id\nE2\n'));
    expect(first.batchId).toMatch(/^[0-9a-f]{12}$/);
    expect(again.batchId).toBe(first.batchId);
    expect(other.batchId).not.toBe(first.batchId);
  });
});

describe('a column mapping', () => {
  it("renames the export's columns to attributes and drops the columns it does not name", async () => {
    const at = await file('workday.csv', 'Worker ID,Legal First Name,Cost Center,SSN\nW-1,Zoë,Engineering,123-45-6789\n');
    const columns = await readColumnMapping(await file('columns.json', JSON.stringify({ 'Worker ID': 'employee_id', 'Legal First Name': 'first_name', 'Cost Center': 'department' })));
    expect((await read(at, columns)).records).toEqual([{ employee_id: 'W-1', first_name: 'Zoë', department: 'Engineering' }]);
  });

  it('applies to JSON exports as well', async () => {
    const at = await file('workday.json', JSON.stringify([{ id: 'W-1', dept: 'Sales', extra: 1 }]));
    expect((await read(at, { id: 'employee_id', dept: 'department' })).records).toEqual([{ employee_id: 'W-1', department: 'Sales' }]);
  });

  it('is refused when two columns fill one attribute, a column maps to no name, or no column gives the identity key', async () => {
    const twice = await file('twice.json', JSON.stringify({ 'Worker ID': 'employee_id', 'Badge': 'employee_id' }));
    await expect(readColumnMapping(twice)).rejects.toThrow(new HrExportError(`${twice}: columns "Worker ID" and "Badge" both map to "employee_id"`));
    const blank = await file('blank.json', JSON.stringify({ 'Worker ID': '' }));
    await expect(readColumnMapping(blank)).rejects.toThrow(new HrExportError(`${blank}: column "Worker ID" must map to an attribute name`));
    const list = await file('list.json', '["employee_id"]');
    await expect(readColumnMapping(list)).rejects.toThrow(/a column mapping is a JSON object/);
    await expect(read(await file('k.csv', 'employee_id\nE1\n'), { Name: 'first_name' })).rejects.toThrow(
      new HrExportError('the column mapping maps no column to employee_id, the identity key'),
    );
  });
});

describe('a bad export', () => {
  it('is refused with the file and line of every row without a usable key, or with a key given twice', async () => {
    const at = await file('bad.csv', 'employee_id,first_name\nE1,Zoë\n,Ada\nE/3,Noor\nE1,Kofi\n" E5",Ines\n');
    await expect(read(at)).rejects.toThrow(
      new HrExportError(
        [
          `${at}:3: no employee_id, the identity key`,
          `${at}:4: employee_id "E/3" contains "/"`,
          `${at}:5: employee_id E1 again, first at ${at}:2`,
          `${at}:6: employee_id " E5" has spaces around it`,
        ].join('\n'),
      ),
    );
  });

  it('lists the first ten problems of an export broken throughout, and counts the rest', async () => {
    const at = await file('keyless.csv', `first_name\n${'Ada\n'.repeat(25)}`);
    const message = await read(at).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message.split('\n')).toHaveLength(11);
    expect(message.split('\n').at(-1)).toBe('… and 15 more');
  });

  it('points at the line of a JSON record that is no record of attributes, or has no key', async () => {
    const at = await file('bad.json', '{"records": [\n  {"employee_id": "E1"},\n  {"employee_id": "E2", "manager": {"id": "E1"}},\n  {"first_name": "Ada"},\n  "E4"\n]}\n');
    await expect(read(at)).rejects.toThrow(
      new HrExportError(
        [
          `${at}:3: not a record of attributes (manager: Invalid input)`,
          `${at}:4: no employee_id, the identity key`,
          `${at}:5: not a record of attributes`,
        ].join('\n'),
      ),
    );
  });

  it('says where a JSON export stops being JSON, and what a JSON export is', async () => {
    const unfinished = await file('unfinished.json', '[\n  {"employee_id": "E1"},\n  {"employee_id": \n]\n');
    await expect(read(unfinished)).rejects.toThrow(`${unfinished}:3: not JSON: Unexpected token ']'`);
    const trailingComma = await file('trailing-comma.json', '[\n  {"employee_id": "E1"},\n  {"employee_id": "E2",}\n]\n');
    await expect(read(trailingComma)).rejects.toThrow(`${trailingComma}:3: not JSON: Expected double-quoted property name`);
    await expect(read(await file('scalar.json', '"E1"'))).rejects.toThrow(/a JSON export is an array of records or \{"records": \[…\]\}/);
  });

  it('names a missing file and a malformed CSV', async () => {
    const missing = path.join(dir, 'nowhere.csv');
    await expect(read(missing)).rejects.toThrow(new HrExportError(`${missing}: no such file`));
    const ragged = await file('ragged.csv', 'employee_id,first_name\nE1,Zoë,extra\n');
    await expect(read(ragged)).rejects.toThrow(new HrExportError(`${ragged}:2: 3 cells, but the header names 2`));
  });
});

describe('an export loaded for its policies', () => {
  it('keeps only the attributes the policies declare, as the webhook does, so an extra column is no change', async () => {
    const policySet = await loadPolicySet(path.join(projectRoot, 'policies'), path.join(projectRoot, 'templates'));
    const at = await file('with-salary.csv', 'employee_id,first_name,last_name,salary,home_address,status\nE1,Zoë,Lindqvist,90000,"1 Main St",active\n');
    const loaded = await loadHrExport(policySet, at, { source: 'hr', columnsFile: undefined });
    expect(loaded.records).toEqual([{ employee_id: 'E1', first_name: 'Zoë', last_name: 'Lindqvist', status: 'active' }]);
  });
});
