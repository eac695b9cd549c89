// A resident's mint receipts: the token keeps each by id and lists no one's, so the ids come
// from the recent blocks' `ReceiptsIssued` and `ReceiptSplit` events and each receipt is
// read as the token holds it now (its owner changes when a voucher carrying it is redeemed).
import type { City } from "../chain";
import type { CityEvent } from "../history";
import { big, get } from "./page";

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
