import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';

/*
 * Data flows one way (DESIGN.md): the rest of Tenure knows the workflows only by their face,
 * workflows/definitions.ts, so that their internals can be split, patched and replayed without a
 * caller noticing; and workflow code, bundled and deterministic, knows activities only as types.
 */

const FACE = path.join(projectRoot, 'workflows/definitions.ts');
const WORKFLOWS = path.join(projectRoot, 'workflows');
const ACTIVITIES = path.join(projectRoot, 'activities');

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(projectRoot, folder), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => path.join(entry.parentPath, entry.name));
}

/** A file's static imports and re-exports, resolved to the files they name. */
async function importsOf(file: string): Promise<Import[]> {
  const source = ts.createSourceFile(file, await readFile(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: Import[] = [];
  for (const statement of source.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    const typeOnly = ts.isImportDeclaration(statement)
      ? Boolean(statement.importClause?.isTypeOnly || (statement.importClause && !statement.importClause.name && statement.importClause.namedBindings && ts.isNamedImports(statement.importClause.namedBindings) && statement.importClause.namedBindings.elements.every((element) => element.isTypeOnly)))
      : statement.isTypeOnly || Boolean(statement.exportClause && ts.isNamedExports(statement.exportClause) && statement.exportClause.elements.every((element) => element.isTypeOnly));
    found.push({ file: path.relative(projectRoot, file), target: path.resolve(path.dirname(file), specifier.text), typeOnly });
  }
  return found;
}

async function allImports(...folders: string[]): Promise<Import[]> {
  const files = (await Promise.all(folders.map(sourceFiles))).flat();
  return (await Promise.all(files.map(importsOf))).flat();
}

/** White-box tests of workflow internals live here, and only here. */
const WORKFLOW_TESTS = path.join(projectRoot, 'test/workflows');

it('src/, activities/, bench/ and test/ import workflow code only through workflows/definitions.ts', async () => {
  const imports = (await allImports('src', 'activities', 'bench', 'test')).filter(({ file }) => !path.resolve(projectRoot, file).startsWith(`${WORKFLOW_TESTS}${path.sep}`));
  expect(imports.some(({ target }) => target === FACE), 'the scan finds the face itself').toBe(true);
  const internal = imports.filter(({ target }) => target.startsWith(`${WORKFLOWS}${path.sep}`) && target !== FACE);
  expect(internal.map(({ file, target }) => `${file} → ${path.relative(projectRoot, target)}`)).toEqual([]);
});

it('workflow code imports activities as types only', async () => {
  const imports = await allImports('workflows');
  expect(imports.some(({ target }) => target.startsWith(`${ACTIVITIES}${path.sep}`)), 'the scan finds the activity types').toBe(true);
  const values = imports.filter(({ target, typeOnly }) => target.startsWith(`${ACTIVITIES}${path.sep}`) && !typeOnly);
  expect(values.map(({ file, target }) => `${file} → ${path.relative(projectRoot, target)}`)).toEqual([]);
});
