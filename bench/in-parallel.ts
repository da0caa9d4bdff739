/** Calls `each` for every index below `count`, `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, each: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async () => {
    for (let index = next++; index < count; index = next++) await each(index);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}
