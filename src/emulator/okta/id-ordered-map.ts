/**
 * Records by id, also kept in id order: the order Okta lists users and groups in. Ids increase with
 * creation, so adding is an append; a page starts by binary search at its cursor instead of
 * scanning every record before it.
 */
export class IdOrderedMap<T extends { readonly id: string }> {
  private readonly byId = new Map<string, T>();
  private readonly ordered: T[] = [];

  get size(): number {
    return this.ordered.length;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  add(record: T): void {
    const last = this.ordered[this.ordered.length - 1];
    if (last === undefined || last.id < record.id) this.ordered.push(record);
    else this.ordered.splice(this.firstIndexNotBefore(record.id), 0, record);
    this.byId.set(record.id, record);
  }

  delete(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    this.ordered.splice(this.firstIndexNotBefore(id), 1);
    return true;
  }

  clear(): void {
    this.byId.clear();
    this.ordered.length = 0;
  }

  /** The records whose ids sort after `cursor` (all of them without one), in id order. */
  *after(cursor?: string): Generator<T> {
    let index = cursor === undefined ? 0 : this.firstIndexNotBefore(cursor);
    if (this.ordered[index]?.id === cursor) index++;
    for (; index < this.ordered.length; index++) yield this.ordered[index]!;
  }

  private firstIndexNotBefore(id: string): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ordered[middle]!.id < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
