// Reading what the contracts page: ids `from..from + limit` at a time, and the id to ask
// from next, which stops short of `from + limit` once the last id is behind it.
import { big } from "./page";

/**
 * Every item of a paged read, page by page: `read(from)` answers `[items, next]`; at most
 * `maxIds` ids are looked through (a city with more needs an indexer, not a page walk).
 */
export async function walkPages<T>(
  pageSize: number,
  maxIds: number,
  read: (from: bigint) => Promise<[T[], unknown]>,
): Promise<T[]> {
  const all: T[] = [];
  for (let from = 0n; from < BigInt(maxIds); ) {
    const [items, nextRaw] = await read(from);
    all.push(...items);
    const next = big(nextRaw);
    if (next < from + BigInt(pageSize)) break;
    from = next;
  }
  return all;
}

/** Items `0, 1, 2, ...` read one by one until the first that does not exist (at most `max`). */
export async function untilMissing<T>(max: number, read: (id: bigint) => Promise<T | undefined>): Promise<[bigint, T][]> {
  const found: [bigint, T][] = [];
  for (let id = 0n; id < BigInt(max); id++) {
    const item = await read(id);
    if (item === undefined) break;
    found.push([id, item]);
  }
  return found;
}

/**
 * Every item of a list read by position, `read(from)` answering at most `pageSize` items
 * from the `from`-th: pages are read until one comes back short (at most `maxItems`).
 */
export async function everyPage<T>(pageSize: number, maxItems: number, read: (from: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let from = 0; from < maxItems; from += pageSize) {
    const page = await read(from);
    all.push(...page);
    if (page.length < pageSize) break;
  }
  return all;
}
