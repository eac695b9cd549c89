// Wallet: the resident's credits (minted, and accrued in the energy market until a
// claim), sending credits, and retiring them as a carbon offset.
import { blake2AsHex, decodeAddress } from "@polkadot/util-crypto";
import { co2e, credits, parseCredits } from "../format";
import { facts, field, h, sendForm, value } from "../ui";
import { big, get, type Page } from "./page";

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
    const earnings: any[] = get(energyAccount, "earnings").toArray();
    const accrued = earnings.reduce((sum, accrual) => sum + big(get(accrual, "credits")), 0n);
    const bill = big(get(energyAccount, "bill"));

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
        field("retire-note", "What they offset (kept off chain; its hash is recorded)", { autocomplete: "off" }),
      ],
      submit: "Retire as carbon offset",
      build: async (form) => {
        const amount = parseCredits(value(form, "retire-amount"));
        if (amount === 0n) throw new Error("The amount must be more than zero.");
        // the most CO2e these credits may stand for: amount × rate / 10^6
        const grams = (amount * big(rate)) / 1_000_000n;
        const note = blake2AsHex(value(form, "retire-note"), 256);
        return { contract: "credit_token", message: "retire", args: [amount, grams, note] };
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
          "Retired as carbon offset",
          `${credits(big(get(retired, "amount")))} SCP, ${co2e(big(get(retired, "grams_co2e")))}`,
          "retired",
        ],
        ["One credit offsets at most", co2e(big(rate)), "co2e-rate"],
      ]),
      accrued > 0n || bill > 0n ? claim : h("p", { class: "note" }, "Nothing accrued to claim."),
      h("h3", {}, "Send credits"),
      transfer,
      h("h3", {}, "Retire credits"),
      retire,
    );
  },
};
