import { isMap, isScalar, LineCounter, Parser, parseDocument, visit, type Alias, type CST, type Document, type Node } from 'yaml';
import type { Problem } from './problems.ts';

/**
 * Deeper than any policy, template or test needs, and far below where the YAML library's
 * recursive composer would run out of stack.
 */
export const MAX_YAML_DEPTH = 64;

type CstItem = { key?: CST.Token | null; value?: CST.Token };

/**
 * Where the first collection nested deeper than `limit` starts, if one does. It reads the
 * library's token stream, which is parsed without recursion, and walks it with its own stack, so
 * no nesting, however deep, overflows the call stack.
 */
function tooDeepAt(text: string, limit: number): number | undefined {
  const pending: Array<{ token: CST.Token; depth: number }> = [];
  for (const token of new Parser().parse(text)) pending.push({ token, depth: 0 });
  pending.reverse();
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { token, depth } = next;
    if (token.type === 'document') {
      if (token.value) pending.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= limit) return token.offset;
      // Pushed last to first, so that the first too-deep collection in the text is the one found.
      for (const item of [...(token.items as CstItem[])].reverse()) {
        if (item.value) pending.push({ token: item.value, depth: depth + 1 });
        if (item.key) pending.push({ token: item.key, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** A parsed YAML file that can say where any path inside it is written. */
export class YamlSource {
  readonly document: Document;
  private readonly lines = new LineCounter();
  /** A problem found before the document could be composed; the document is then empty. */
  private readonly refused: Problem | undefined;

  constructor(
    readonly file: string,
    text: string,
  ) {
    const options = { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, merge: true } as const;
    const deep = tooDeepAt(text, MAX_YAML_DEPTH);
    if (deep === undefined) {
      this.document = parseDocument(text, options);
    } else {
      // The lines are counted by parsing; an empty document after it keeps `document` usable.
      for (const _ of new Parser(this.lines.addNewLine).parse(text));
      this.document = parseDocument('');
      this.refused = this.problemAt(deep, `nested more than ${MAX_YAML_DEPTH} levels deep here; a policy, template or test needs only a few levels`);
    }
  }

  syntaxProblems(): Problem[] {
    if (this.refused) return [this.refused];
    return this.document.errors.map((error) => this.problemAt(error.pos[0], error.message.split('\n')[0]!));
  }

  /**
   * The document as plain data, or the problem that keeps it from being one: aliases that refer
   * to values which themselves hold aliases multiply (a "billion laughs" document), and the YAML
   * library stops expanding them before they exhaust memory.
   */
  toData(): { data: unknown } | { problem: Problem } {
    try {
      return { data: this.document.toJS() };
    } catch (error) {
      if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
      const alias = this.aliasOfAliases();
      const name = alias?.source === undefined ? 'An alias' : `The alias *${alias.source}`;
      return { problem: this.problemAt(alias?.range?.[0] ?? 0, `${name} repeats a value that holds aliases itself, so the document would grow to an enormous size (a "billion laughs"); write the values out instead`) };
    }
  }

  /** The first alias whose value holds another alias: where an expansion starts to multiply. */
  private aliasOfAliases(): Alias | undefined {
    let found: Alias | undefined;
    let first: Alias | undefined;
    visit(this.document, {
      Alias: (_key, alias) => {
        first ??= alias;
        const target = alias.resolve(this.document);
        let nested = false;
        if (target) {
          visit(target, {
            Alias: () => {
              nested = true;
              return visit.BREAK;
            },
          });
        }
        if (!nested) return undefined;
        found = alias;
        return visit.BREAK;
      },
    });
    return found ?? first;
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
