import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Problem } from './problems.ts';

/** A parsed YAML file that can say where any path inside it is written. */
export class YamlSource {
  readonly document: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, merge: true });
  }

  syntaxProblems(): Problem[] {
    return this.document.errors.map((error) => this.problemAt(error.pos[0], error.message.split('\n')[0]!));
  }

  problemAt(offset: number, message: string): Problem {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, message };
  }

  /** The node at `path`, or the deepest ancestor that exists (a missing key is reported on its parent). */
  nodeAt(path: readonly PropertyKey[]): Node | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth) as unknown[], true);
      if (node && typeof node === 'object' && 'range' in node) return node as Node;
    }
    return this.document.contents ?? undefined;
  }

  /** Where the key `name` of the map at `path` is written, so an unknown key is pointed at directly. */
  keyOffset(path: readonly PropertyKey[], name: string): number | undefined {
    const map = this.document.getIn(path as unknown[], true);
    if (!isMap(map)) return undefined;
    const pair = map.items.find((item) => isScalar(item.key) && item.key.value === name);
    return pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  }

  /** Where the text of a scalar value starts, past an opening quote, so formatter offsets map to columns. */
  valueOffset(path: readonly PropertyKey[]): number {
    const node = this.nodeAt(path);
    const start = node?.range?.[0] ?? 0;
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
    return quoted ? start + 1 : start;
  }
}
