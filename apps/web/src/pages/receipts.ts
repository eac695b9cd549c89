// A resident's mint receipts: the token keeps each by id and lists no one's, so the ids come
// from the recent blocks' `ReceiptsIssued` and `ReceiptSplit` events and each receipt is
// read as the token holds it now (its owner changes when a voucher carrying it is redeemed).
import type { City } from "../chain";
import { credits, energy } from "../format";
import type { CityEvent } from "../history";
import { h } from "../ui";
import { big, get } from "./page";

/** The most receipts one voucher or retirement may name (`MAX_VOUCHER_RECEIPTS`). */
export const MAX_RECEIPTS = 8;

/** The mint receipts `owner` holds among those issued (or split off) in `events`. */
export async function myReceipts(city: City, owner: string, events: CityEvent[]): Promise<[bigint, any][]> {
  const ids: bigint[] = [];
  for (const event of events.filter((e) => e.contract === "credit_token")) {
    if (event.name === "ReceiptsIssued") {
      const first = big(event.args.first_receipt_id ?? event.args.firstReceiptId);
      const count = Number((event.args.count as any).toString());
      for (let i = 0n; i < BigInt(count); i++) ids.push(first + i);
    } else if (event.name === "ReceiptSplit") {
      ids.push(big(event.args.part_id ?? event.args.partId));
    }
  }
  const receipts = await Promise.all(
    ids.map(async (id) => [id, await city.read<any>("credit_token", "receipt", owner, id)] as [bigint, any]),
  );
  return receipts
    .filter(([, receipt]) => receipt.isSome && get(receipt.unwrap(), "owner").toString() === owner)
    .map(([id, receipt]) => [id, receipt.unwrap()] as [bigint, any])
    .reverse();
}

/** Whether a receipt is free to go with a voucher or a retirement: in none, not consumed. */
export function isFree(receipt: any): boolean {
  return get(receipt, "voucher").isNone && get(receipt, "retirement").isNone;
}

/** What holds a receipt now, in words: an open voucher, the retirement that consumed it. */
export function heldBy(receipt: any): string {
  const voucher = get(receipt, "voucher");
  const retirement = get(receipt, "retirement");
  if (voucher.isSome) return `voucher #${voucher.unwrap().toString()}`;
  if (retirement.isSome) return `retired (#${retirement.unwrap().toString()})`;
  return "";
}

/**
 * Check boxes (`name`, ids `${name}-<receipt>`) for the resident's free receipts, at most
 * `MAX_RECEIPTS`, under `legend`; `null` when there are none.
 */
export function receiptPicker(receipts: [bigint, any][], name: string, legend: string): HTMLElement | null {
  const free = receipts.filter(([, receipt]) => isFree(receipt)).slice(0, MAX_RECEIPTS);
  if (free.length === 0) return null;
  return h(
    "fieldset",
    { class: "receipts" },
    h("legend", {}, legend),
    ...free.map(([id, receipt]) => {
      const earning = get(receipt, "earning");
      return h(
        "label",
        { class: "check", for: `${name}-${id}` },
        h("input", { type: "checkbox", id: `${name}-${id}`, name, value: id.toString() }),
        h("span", {}, `#${id}: ${credits(big(get(receipt, "amount")))} SCP, ${get(earning, "source").type}, ${energy(big(get(earning, "energy_wh")))}`),
      );
    }),
  );
}

/** The receipt ids checked in `form`'s picker `name`. */
export function picked(form: ParentNode, name: string): bigint[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`)].map((box) => BigInt(box.value));
}
