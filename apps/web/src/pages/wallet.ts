// Wallet: the resident's credits (minted, and accrued in the energy market until a
// claim), sending credits, and retiring them as a carbon offset.
import { blake2AsHex, decodeAddress } from "@polkadot/util-crypto";
import { u8aToHex } from "@polkadot/util";
import { co2e, credits, energy as energyText, parseCredits, short, time } from "../format";
import { facts, field, h, sendForm, table, value } from "../ui";
import { big, get, type Page } from "./page";
import { heldBy, myReceipts, picked, receiptPicker } from "./receipts";

export const wallet: Page = {
  path: "wallet",
  title: "Wallet",
  async render({ city, account, refresh }) {
    const me = account.address;
    const [balance, energyAccount, retired, rate] = await Promise.all([
      city.read("credit_token", "psp22::balanceOf", me, me),
      city.read<any>("energy_market", "energyAccount", me, me),
      city.read("credit_token", "retiredTotal", me, me),
      city.read("credit_token", "co2eRate", me),
    ]);
    const { events, complete } = city.history.snapshot(refresh);
    const reading = complete ? "" : " (reading the recent blocks…)";
    const receipts = await myReceipts(city, me, events);
    const transfers = events
      .filter((e) => e.contract === "credit_token" && e.name === "Transfer")
      .filter((e) => [e.args.from, e.args.to].some((side: any) => side?.isSome && side.unwrap().toString() === me))
      .slice(-20)
      .reverse();
    const earnings: any[] = get(energyAccount, "earnings").toArray();
    const accrued = earnings.reduce((sum, accrual) => sum + big(get(accrual, "credits")), 0n);
    const bill = big(get(energyAccount, "bill"));
    const thisYear = new Date().getUTCFullYear();

    const claim = sendForm({
      id: "claim",
      city,
      account,
      fields: [],
      submit: "Claim accrued credits",
      build: async () => ({ contract: "energy_market", message: "claim", args: [] }),
      done: refresh,
    });
    const transfer = sendForm({
      id: "transfer",
      city,
      account,
      fields: [
        field("transfer-to", "To (address)", { required: true, autocomplete: "off" }),
        field("transfer-amount", "Credits", { required: true, inputmode: "decimal" }),
      ],
      submit: "Send credits",
      build: async (form) => {
        const to = value(form, "transfer-to").trim();
        try {
          decodeAddress(to);
        } catch {
          throw new Error(`"${to}" is not an account address`);
        }
        const amount = parseCredits(value(form, "transfer-amount"));
        return { contract: "credit_token", message: "psp22::transfer", args: [to, amount, []] };
      },
      done: refresh,
    });
    const retire = sendForm({
      id: "retire",
      city,
      account,
      fields: [
        field("retire-amount", "Credits to retire", { required: true, inputmode: "decimal" }),
        field("retire-for", "For (an address; empty: yourself)", { autocomplete: "off" }),
        field("retire-note", "What they offset (kept off chain; its hash is recorded)", { required: true, autocomplete: "off" }),
        field("retire-from", "Emissions from", { type: "date", required: true, value: `${thisYear}-01-01` }),
        field("retire-to", "until (not included)", { type: "date", required: true, value: `${thisYear + 1}-01-01` }),
        receiptPicker(receipts, "retire-receipt", "The receipts these credits are (consumed; one beyond the amount is split)"),
      ].filter((f): f is HTMLElement => f !== null),
      submit: "Retire as carbon offset",
      build: async (form) => {
        const amount = parseCredits(value(form, "retire-amount"));
        if (amount === 0n) throw new Error("The amount must be more than zero.");
        const beneficiary = value(form, "retire-for").trim() || me;
        try {
          decodeAddress(beneficiary);
        } catch {
          throw new Error(`"${beneficiary}" is not an account address`);
        }
        const start = Date.parse(value(form, "retire-from"));
        const end = Date.parse(value(form, "retire-to"));
        if (Number.isNaN(start) || Number.isNaN(end) || start >= end) {
          throw new Error("The period must end after it starts.");
        }
        const claim = {
          beneficiary,
          // the most CO2e these credits may stand for: amount × rate / 10^6
          gramsCo2e: (amount * big(rate)) / 1_000_000n,
          purposeHash: blake2AsHex(value(form, "retire-note"), 256),
          periodStartMs: BigInt(start),
          periodEndMs: BigInt(end),
          receipts: picked(form, "retire-receipt"),
        };
        return { contract: "credit_token", message: "retire", args: [amount, claim] };
      },
      done: refresh,
    });

    return h(
      "section",
      { "aria-labelledby": "wallet-title" },
      h("h2", { id: "wallet-title" }, "Wallet"),
      facts([
        ["Smart credit points", `${credits(big(balance))} SCP`, "balance"],
        ["Accrued in the energy market", `${credits(accrued)} SCP`, "accrued"],
        ["Energy bill waiting to be paid from them", `${credits(bill)} SCP`, "bill"],
        [
          "Retired as carbon offset for you",
          `${credits(big(get(retired, "amount")))} SCP, ${co2e(big(get(retired, "grams_co2e")))}`,
          "retired",
        ],
        ["One credit offsets at most", co2e(big(rate)), "co2e-rate"],
      ]),
      accrued > 0n || bill > 0n ? claim : h("p", { class: "note" }, "Nothing accrued to claim."),
      h("h3", {}, "Mint receipts: where my credits came from"),
      table(
        "receipts",
        ["Receipt", "Credits", "Device", "Source", "Energy", "Measured", "Held by"],
        receipts.map(([id, receipt]) => {
          const earning = get(receipt, "earning");
          return {
            id: `receipt-${id}`,
            cells: [
              `#${id}`,
              `${credits(big(get(receipt, "amount")))} SCP`,
              short(u8aToHex(get(earning, "device"))),
              get(earning, "source").type,
              energyText(big(get(earning, "energy_wh"))),
              `${time(big(get(earning, "period_start_ms")))} – ${time(big(get(earning, "period_end_ms")))}`,
              heldBy(receipt),
            ],
          };
        }),
        `No receipts in the recent blocks${reading}.`,
      ),
      h("h3", {}, "Recent transfers"),
      table(
        "transfers",
        ["Block", "From", "To", "Credits"],
        transfers.map((t) => {
          const side = (value: any) =>
            value?.isSome ? (value.unwrap().toString() === me ? "you" : short(value.unwrap().toString())) : "minted / burned";
          return { cells: [`#${t.block}`, side(t.args.from), side(t.args.to), `${credits(big(t.args.value))} SCP`] };
        }),
        `No transfers in the recent blocks${reading}.`,
      ),
      h("h3", {}, "Send credits"),
      transfer,
      h("h3", {}, "Retire credits"),
      retire,
    );
  },
};
