import type { Account, City } from "../chain";

/** What a page is drawn with: the city and the account signing now. */
export interface PageContext {
  city: City;
  account: Account;
  /** Draws the page again (after an extrinsic, or a city event). */
  refresh: () => void;
}

/** A page of the app: `#/<path>` shows it. */
export interface Page {
  path: string;
  title: string;
  render(ctx: PageContext): Promise<HTMLElement>;
}

/** A u128/u64 codec (or a plain number) as a bigint. */
export function big(value: any): bigint {
  if (typeof value === "bigint") return value;
  if (value && typeof value.toBigInt === "function") return value.toBigInt();
  if (value === undefined || value === null) throw new Error("the contract's answer lacks a number");
  return BigInt(value.toString());
}

/** A field of a decoded struct, by its name in the contract (`expires_at_ms`). */
export function get(struct: any, name: string): any {
  const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const found = struct.get?.(name) ?? struct.get?.(camel) ?? struct[camel] ?? struct[name];
  if (found === undefined) throw new Error(`the contract's answer has no field ${name}`);
  return found;
}
