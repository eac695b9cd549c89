// Energy: the resident's energy ledger, what the market accrued for each of their devices,
// the bill and any debt; the open P2P offers, to buy part of one; selling from the ledger.
import { u8aToHex } from "@polkadot/util";
import { credits, energy as kwh, parseCredits, parseId, short, time } from "../format";
import { facts, field, h, sendForm, table, value } from "../ui";
import { big, get, type Page } from "./page";
import type { City } from "../chain";
import type { CityEvent } from "../history";
import { walkPages } from "./paging";
import { payingFromAllowance } from "../allowance";

/** The market's largest page of offers (`MAX_OFFER_PAGE`). */
const OFFER_PAGE = 32;
/** Offers looked through at most (ids), newest pages last. */
const MAX_OFFER_IDS = 640;

export interface OpenOffer {
  id: bigint;
  seller: string;
  whLeft: bigint;
  pricePerKwh: bigint;
  expiresAtMs: bigint;
}

/** Every open offer, page by page as the market pages them. */
export async function openOffers(city: City, reader: string): Promise<OpenOffer[]> {
  return walkPages(OFFER_PAGE, MAX_OFFER_IDS, async (from) => {
    const answer: any = await city.read("energy_market", "openOffers", reader, from, OFFER_PAGE);
    const offers = answer[0].toArray().map((entry: any) => {
      const offer = entry[1];
      return {
        id: big(entry[0]),
        seller: get(offer, "seller").toString(),
        whLeft: big(get(offer, "wh_left")),
        pricePerKwh: big(get(offer, "price_per_kwh")),
        expiresAtMs: big(get(offer, "expires_at_ms")),
      };
    });
    return [offers, answer[1]];
  });
}

/** What `wh` of an offer costs: the market's own rounding (up, to the micro-credit). */
export function offerCost(pricePerKwh: bigint, wh: bigint): bigint {
  return (wh * pricePerKwh + 999n) / 1000n;
}

/** Watt-hours typed as kWh ("1.5" → 1500n). */
function parseKwh(text: string): bigint {
  try {
    return parseCredits(text, 3);
  } catch {
    throw new Error(`"${text}" is not an amount of energy (write kWh, like 1.5)`);
  }
}

export const energy: Page = {
  path: "energy",
  title: "Energy",
  async render({ city, account, refresh }) {
    const me = account.address;
    const market = city.manifest.contracts.energy_market.address;
    const [energyAccount, debt, offers] = await Promise.all([
      city.read<any>("energy_market", "energyAccount", me, me),
      city.read("energy_market", "debt", me, me),
      openOffers(city, me),
    ]);
    const earnings: any[] = get(energyAccount, "earnings").toArray();
    const ledger = big(get(energyAccount, "ledger_wh"));
    const { events, complete } = city.history.snapshot(refresh);
    const metered = get(energyAccount, "meters")
      .toArray()
      .map((held: any) => u8aToHex(get(held, "device")));
    const devices = await myDevices(city, me, heldDeviceIds(me, events, metered));

    const accruals = table(
      "accruals",
      ["Device", "Source", "Measured", "Energy", "Credits"],
      earnings.map((accrual) => {
        const earning = get(accrual, "earning");
        return {
          cells: [
            short(u8aToHex(get(earning, "device"))),
            get(earning, "source").type,
            `${time(big(get(earning, "period_start_ms")))} – ${time(big(get(earning, "period_end_ms")))}`,
            kwh(big(get(earning, "energy_wh"))),
            `${credits(big(get(accrual, "credits")))} SCP`,
          ],
        };
      }),
      "No credits accrued since the last claim.",
      "Accrued, not yet claimed (the wallet claims them)",
    );

    const offerTable = table(
      "offers",
      ["Offer", "Seller", "Left", "Price", "Until"],
      offers.map((offer) => ({
        id: `offer-${offer.id}`,
        cells: [
          `#${offer.id}`,
          offer.seller === me ? "you" : short(offer.seller),
          kwh(offer.whLeft),
          `${credits(offer.pricePerKwh)} SCP/kWh`,
          time(offer.expiresAtMs),
        ],
      })),
      "No open offers.",
      "Open offers",
    );

    const buy = sendForm({
      id: "buy",
      city,
      account,
      fields: [
        field("buy-offer", "Offer number", { required: true, inputmode: "numeric" }),
        field("buy-kwh", "kWh to buy", { required: true, inputmode: "decimal" }),
      ],
      submit: "Buy energy",
      build: async (form, step) => {
        const id = parseId(value(form, "buy-offer"), "offer");
        const offer = offers.find((o) => o.id === id);
        if (!offer) throw new Error(`Offer #${id} is not open.`);
        if (offer.seller === me) throw new Error("That is your own offer.");
        const wh = parseKwh(value(form, "buy-kwh"));
        const cost = offerCost(offer.pricePerKwh, wh);
        const call = { contract: "energy_market" as const, message: "buy", args: [id, wh] };
        return payingFromAllowance(city, account, market, cost, call, step);
      },
      done: refresh,
    });

    const sell = sendForm({
      id: "sell",
      city,
      account,
      fields: [
        field("sell-kwh", `kWh to offer (your ledger holds ${kwh(ledger)})`, { required: true, inputmode: "decimal" }),
        field("sell-price", "Price per kWh (SCP)", { required: true, inputmode: "decimal" }),
        field("sell-hours", "Open for (hours)", { required: true, inputmode: "numeric", value: "24" }),
      ],
      submit: "Offer energy",
      build: async (form) => {
        const wh = parseKwh(value(form, "sell-kwh"));
        const price = parseCredits(value(form, "sell-price"));
        const hours = Number(value(form, "sell-hours"));
        if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 30) {
          throw new Error("An offer is open for 1 hour to 30 days: give whole hours.");
        }
        const expires = BigInt(Date.now() + hours * 3_600_000);
        return { contract: "energy_market", message: "createOffer", args: [wh, price, expires] };
      },
      done: refresh,
    });

    const mine = offers.filter((o) => o.seller === me);
    const cancel = mine.length
      ? sendForm({
          id: "cancel-offer",
          city,
          account,
          fields: [field("cancel-offer-id", "Your offer to withdraw (number)", { required: true, inputmode: "numeric" })],
          submit: "Withdraw offer",
          build: async (form) => {
            const id = parseId(value(form, "cancel-offer-id"), "offer");
            return { contract: "energy_market", message: "cancelOffer", args: [id] };
          },
          done: refresh,
        })
      : null;

    return h(
      "section",
      { "aria-labelledby": "energy-title" },
      h("h2", { id: "energy-title" }, "Energy"),
      facts([
        ["Energy ledger (exported or bought, not yet used or offered)", kwh(ledger), "ledger"],
        ["Bill for imports beyond the ledger, paid at the next claim", `${credits(big(get(energyAccount, "bill")))} SCP`, "energy-bill"],
        ["Owed to the utility", `${credits(big(debt))} SCP`, "debt"],
      ]),
      h("h3", {}, "My devices"),
      table(
        "devices",
        ["Device", "Kind", "Last reading", "Imported", "Exported"],
        devices.map(({ id, kind, last }) => ({
          id: `device-${id}`,
          cells: [
            short(id),
            kind,
            last ? `#${get(last, "seq").toString()} at ${time(big(get(last, "at_ms")))}` : "none yet",
            last ? kwh(big(get(last, "import_wh_total"))) : "–",
            last ? kwh(big(get(last, "export_wh_total"))) : "–",
          ],
        })),
        `No devices registered to you in the recent blocks${complete ? "" : " (reading them…)"}.`,
      ),
      accruals,
      h("h3", {}, "Buy energy"),
      offerTable,
      offers.some((o) => o.seller !== me) ? buy : null,
      h("h3", {}, "Sell energy"),
      sell,
      cancel,
    );
  },
};

/**
 * The ids of the devices `owner` may hold: the meters whose last reading the market keeps
 * in its account (`metered`, hex, however long ago they were registered), then those the
 * registry's recent events name (registered to it, or transferred to it and not away).
 * The registry's record has the last word (see `myDevices`).
 */
export function heldDeviceIds(owner: string, events: CityEvent[], metered: string[]): string[] {
  const held = new Set<string>(metered);
  for (const event of events) {
    if (event.contract !== "identity_registry") continue;
    const id = u8aToHex((event.args.deviceId ?? event.args.device_id) as any);
    if (event.name === "DeviceRegistered" && event.args.owner.toString() === owner) held.add(id);
    if (event.name === "DeviceTransferred") {
      if (event.args.to.toString() === owner) held.add(id);
      else if (event.args.from.toString() === owner) held.delete(id);
    }
  }
  return [...held];
}

/**
 * The devices among `ids` the registry says `owner` holds now, each with its record and the
 * market's last accepted reading (its registers).
 */
async function myDevices(city: City, owner: string, ids: string[]): Promise<{ id: string; kind: string; last: any }[]> {
  const devices = await Promise.all(
    ids.map(async (id) => {
      const record: any = await city.read("identity_registry", "identityRegistryApi::device", owner, id);
      if (!record.isSome || get(record.unwrap(), "owner").toString() !== owner) return undefined;
      const last: any = await city.read("energy_market", "meter", owner, id);
      return { id, kind: get(record.unwrap(), "kind").type as string, last: last.isSome ? last.unwrap() : undefined };
    }),
  );
  return devices.filter((d): d is { id: string; kind: string; last: any } => d !== undefined);
}
