/**
 * Rows of cells as aligned columns, two spaces apart. The last column is not padded, so a long
 * value there does not push trailing blanks onto every line.
 */
export function table(rows: ReadonlyArray<readonly string[]>, indent = ''): string {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd())
    .join('\n');
}
