// Vouchers: lock credits under a one-time key and hand the QR code over; redeem a code
// someone handed you. The redemption signature is made here, in the browser, with the
// code's one-time secret over this account (`../voucher.ts`), exactly as the token checks.
import { hexToU8a, u8aToHex } from "@polkadot/util";
import type { Codec } from "@polkadot/types/types";
import { decodeAddress } from "@polkadot/util-crypto";
import QRCode from "qrcode";
import { credits, parseCredits, time } from "../format";
import { announce, facts, field, h, sendForm, value } from "../ui";
import { readQr } from "../qr";
import { oneTimeKey, parsePayload, payload, signRedemption } from "../voucher";
import { big, get, type Page } from "./page";
import { myReceipts, picked, receiptPicker } from "./receipts";

/** Codes made in this tab, newest first: the one-time secret exists nowhere else. */
const made: { id: bigint; amount: bigint; code: string }[] = [];

export const vouchers: Page = {
  path: "vouchers",
  title: "Vouchers",
  async render({ city, account, refresh }) {
    const token = decodeAddress(city.manifest.contracts.credit_token.address);
    let pendingSecret: Uint8Array | undefined;

    // receipts that may travel with a voucher: the resident's, in no voucher or retirement
    const { events } = city.history.snapshot(refresh);
    const receiptBoxes = receiptPicker(
      await myReceipts(city, account.address, events),
      "attach",
      "Attach receipts (their provenance travels with the voucher; one beyond the amount is split)",
    );

    const create = sendForm({
      id: "create-voucher",
      city,
      account,
      fields: [
        field("voucher-amount", "Credits", { required: true, inputmode: "decimal" }),
        field("voucher-hours", "Valid for (hours)", { required: true, inputmode: "numeric", value: "24" }),
        receiptBoxes,
      ].filter((f): f is HTMLElement => f !== null),
      submit: "Create voucher",
      build: async (form) => {
        const amount = parseCredits(value(form, "voucher-amount"));
        const hours = Number(value(form, "voucher-hours"));
        if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 365) {
          throw new Error("A voucher is valid for 1 hour to a year: give whole hours.");
        }
        const attached = picked(form, "attach");
        const key = oneTimeKey();
        pendingSecret = key.secret;
        const expires = BigInt(Date.now() + hours * 3_600_000);
        return {
          contract: "credit_token",
          message: "createVoucher",
          args: [amount, u8aToHex(key.publicKey), expires, attached],
        };
      },
      done: async ({ events }) => {
        const created = events.find((event) => event.name === "VoucherCreated");
        if (!created || !pendingSecret) throw new Error("The voucher was made but its event was not found.");
        const id = big(get(created.args, "voucher_id"));
        made.unshift({
          id,
          amount: big(get(created.args, "amount")),
          code: payload({ token, voucherId: id, secret: pendingSecret }),
        });
        pendingSecret = undefined;
        refresh();
      },
    });

    const redeem = sendForm({
      id: "redeem-voucher",
      city,
      account,
      fields: [
        h(
          "label",
          { for: "voucher-code" },
          h("span", {}, "Voucher code (pasted, or read from the QR code below)"),
          h("textarea", { id: "voucher-code", name: "voucher-code", rows: "3", spellcheck: "false", required: true }),
        ),
        scanner(),
      ],
      submit: "Redeem",
      build: async (form) => {
        const ticket = parsePayload(value(form, "voucher-code"));
        if (u8aToHex(ticket.token) !== u8aToHex(token)) {
          throw new Error("This voucher is for another city's token.");
        }
        const chain = hexToU8a((await city.read<Codec>("credit_token", "chainBound::chainId", account.address)).toHex());
        const signature = signRedemption(ticket, chain, decodeAddress(account.address));
        return {
          contract: "credit_token",
          message: "redeemVoucher",
          args: [ticket.voucherId, u8aToHex(signature)],
        };
      },
      done: refresh,
    });

    const cards = await Promise.all(
      made.map(async (voucher) => {
        const state: any = await city.read("credit_token", "voucher", account.address, voucher.id);
        const info = state.isSome ? state.unwrap() : undefined;
        const kind: string = info ? get(info, "state").type : "Unknown";
        const status =
          kind === "Open" ? `open until ${time(big(get(info, "expires_at_ms")))}` : kind.toLowerCase();
        const qr = await QRCode.toDataURL(voucher.code, { errorCorrectionLevel: "M", margin: 1, width: 220 });
        return h(
          "article",
          { class: "voucher", "data-testid": `voucher-${voucher.id}` },
          h("img", { src: qr, alt: `QR code of voucher ${voucher.id}`, width: "220", height: "220" }),
          facts([
            ["Voucher", `#${voucher.id}`, "voucher-id"],
            ["Credits", `${credits(voucher.amount)} SCP`, "voucher-amount"],
            ["State", status, "voucher-state"],
          ]),
          h("label", {}, h("span", {}, "Code to hand over"), h("textarea", { readonly: true, rows: "3", "data-testid": "voucher-code" }, voucher.code)),
        );
      }),
    );

    return h(
      "section",
      { "aria-labelledby": "vouchers-title" },
      h("h2", { id: "vouchers-title" }, "Vouchers"),
      h("p", { class: "note" }, "A voucher locks credits until someone redeems its code, or until it expires and you take them back."),
      h("h3", {}, "Create a voucher"),
      create,
      ...cards,
      h("h3", {}, "Redeem a voucher"),
      redeem,
    );
  },
};

/**
 * "Scan the QR code": on a phone the file input opens the camera (`capture`); elsewhere it
 * takes a picture file. The code read goes into the code field.
 */
function scanner(): HTMLElement {
  const input = h("input", { id: "voucher-picture", type: "file", accept: "image/*", capture: "environment" });
  // what it finds is said in the notice line, which outlives a redraw of the page
  input.addEventListener("change", async () => {
    const picture = input.files?.[0];
    if (!picture) return;
    announce("Reading the QR code…");
    try {
      const code = await readQr(picture);
      const field = document.getElementById("voucher-code") as HTMLTextAreaElement;
      field.value = code;
      announce("Code read from the picture: redeem it below.");
    } catch (error) {
      announce((error as Error).message, true);
    } finally {
      input.value = "";
    }
  });
  return h("label", { for: "voucher-picture" }, h("span", {}, "Scan the QR code (camera or picture)"), input);
}
