import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credits } from "../src/format";
import { SHOTS, devAddress, open, sent, useCity } from "./city";

const city = useCity();

describe("the citizen dApp in a browser, against a node", () => {
  it("a resident creates a voucher and a second resident redeems it from its QR code", async () => {
    const bobBefore = await city.chain.balance("Bob");
    const charlieBefore = await city.chain.balance("Charlie");

    const bob = await open(city.browser, "Bob", "vouchers");
    await bob.fill("#voucher-amount", "2.5");
    await bob.fill("#voucher-hours", "48");
    // his solar receipt goes with it: the token splits off the 2.5 SCP it carries
    const box = bob.locator("input[name=attach]").first();
    await box.waitFor();
    const attached = BigInt((await box.getAttribute("value"))!);
    const receiptBefore = (await city.chain.read("credit_token", "receipt", attached)).unwrap().amount.toBigInt();
    expect(receiptBefore).toBeGreaterThan(2_500_000n);
    await box.check();
    await bob.click("#create-voucher button[type=submit]");
    await sent(bob, "create-voucher", "Create voucher");
    const card = bob.locator("article.voucher").first();
    await card.waitFor();
    expect(await card.locator("img").getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    const code = (await card.locator("textarea").inputValue()).trim();
    expect(code).toMatch(/^SCV1:[0-9A-F]{64}:\d+:[0-9A-F]{64}$/);
    const id = BigInt(code.split(":")[2]);
    await bob.screenshot({ path: `${SHOTS}/vouchers.png`, fullPage: true });
    expect(await city.chain.balance("Bob")).toBe(bobBefore - 2_500_000n);

    // Charlie scans the QR code: the picture Bob's page shows, read back by the page
    const picture = join(mkdtempSync(join(tmpdir(), "voucher-")), "voucher.png");
    const png = (await card.locator("img").getAttribute("src"))!.replace(/^data:image\/png;base64,/, "");
    writeFileSync(picture, Buffer.from(png, "base64"));
    const charlie = await open(city.browser, "Charlie", "vouchers");
    await charlie.setInputFiles("#voucher-picture", picture);
    await charlie.locator("#notice").filter({ hasText: "Code read from the picture" }).waitFor();
    expect(await charlie.inputValue("#voucher-code")).toBe(code);
    await charlie.click("#redeem-voucher button[type=submit]");
    await sent(charlie, "redeem-voucher", "Redeem");

    // what the chain holds: the credits are Charlie's and the voucher is closed, by him
    expect(await city.chain.balance("Charlie")).toBe(charlieBefore + 2_500_000n);
    const voucher = (await city.chain.read("credit_token", "voucher", id)).unwrap();
    expect(voucher.state.type).toBe("Redeemed");
    expect(voucher.state.asRedeemed.by.toString()).toBe(await devAddress("Charlie"));
    // the provenance travelled: the part split off Bob's receipt is Charlie's, 2.5 SCP of
    // the same meter's solar energy; the rest stays Bob's
    const [part] = voucher.receipts.toArray().map((r: any) => r.toBigInt());
    expect(part).not.toBe(attached);
    const carried = (await city.chain.read("credit_token", "receipt", part)).unwrap();
    const kept = (await city.chain.read("credit_token", "receipt", attached)).unwrap();
    expect(carried.owner.toString()).toBe(await devAddress("Charlie"));
    expect(carried.amount.toBigInt()).toBe(2_500_000n);
    expect(carried.earning.device.toHex()).toBe(kept.earning.device.toHex());
    expect(carried.earning.source.type).toBe("Solar");
    expect(kept.owner.toString()).toBe(await devAddress("Bob"));
    expect(kept.amount.toBigInt()).toBe(receiptBefore - 2_500_000n);

    // a picture without a QR code, and a file that is no picture: each said in words
    const blank = join(mkdtempSync(join(tmpdir(), "blank-")), "blank.png");
    writeFileSync(blank, Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64"));
    await charlie.setInputFiles("#voucher-picture", blank);
    await charlie.locator("#notice").filter({ hasText: "No QR code found in that picture" }).waitFor();
    const text = join(mkdtempSync(join(tmpdir(), "text-")), "note.png");
    writeFileSync(text, "not a picture");
    await charlie.setInputFiles("#voucher-picture", text);
    await charlie.locator("#notice").filter({ hasText: "That file is not a picture." }).waitFor();

    // the same code again: refused in words, nothing paid
    await charlie.fill("#voucher-code", code);
    await charlie.click("#redeem-voucher button[type=submit]");
    await charlie
      .getByTestId("redeem-voucher-status")
      .filter({ hasText: "already redeemed" })
      .waitFor();
    expect(await city.chain.balance("Charlie")).toBe(charlieBefore + 2_500_000n);
    await bob.close();
    await charlie.close();
  });

  it("a prosumer claims accrued credits and sends some; a refusal is shown in words", async () => {
    const eve = await open(city.browser, "Eve", "wallet");
    const accrued = (await city.chain.read("energy_market", "energyAccount", await devAddress("Eve"))).earnings;
    const owed = accrued.toArray().reduce((sum: bigint, a: any) => sum + a.credits.toBigInt(), 0n);
    expect(owed).toBeGreaterThan(0n);
    const before = await city.chain.balance("Eve");
    await eve.screenshot({ path: `${SHOTS}/wallet.png`, fullPage: true });
    await eve.click("#claim button[type=submit]");
    await sent(eve, "claim", "Claim accrued credits");
    expect(await city.chain.balance("Eve")).toBe(before + owed);
    await eve.getByTestId("accrued").filter({ hasText: /^0 SCP$/ }).waitFor();
    // the claim's mint receipt, with its provenance, as the token holds it
    const row = eve.locator("[data-testid=receipts] tr[data-testid^=receipt-]").first();
    await row.waitFor();
    const receiptId = BigInt((await row.getAttribute("data-testid"))!.replace("receipt-", ""));
    const receipt = (await city.chain.read("credit_token", "receipt", receiptId)).unwrap();
    expect(receipt.owner.toString()).toBe(await devAddress("Eve"));
    expect(receipt.amount.toBigInt()).toBe(owed);
    expect(receipt.earning.source.type).toBe("Solar");
    expect(receipt.earning.energyWh.toBigInt()).toBe(4_000n);
    expect(await row.locator("td").nth(4).textContent()).toBe("4 kWh");

    const dave = await devAddress("Dave");
    const daveBefore = await city.chain.balance("Dave");
    // Dave's wallet, open in another tab, follows the chain's events without a reload
    const davePage = await open(city.browser, "Dave", "wallet");
    const daveShown = davePage.getByTestId("balance");
    expect(await daveShown.textContent()).toBe(`${credits(daveBefore)} SCP`);
    await eve.fill("#transfer-to", dave);
    await eve.fill("#transfer-amount", "1.25");
    await eve.click("#transfer button[type=submit]");
    await sent(eve, "transfer", "Send credits");
    expect(await city.chain.balance("Dave")).toBe(daveBefore + 1_250_000n);
    await eve.locator("[data-testid=transfers] tr", { hasText: "1.25 SCP" }).waitFor();
    await daveShown.filter({ hasText: `${credits(daveBefore + 1_250_000n)} SCP` }).waitFor();
    await davePage.close();

    // the fee shown, and she says no: nothing is sent
    await eve.fill("#transfer-to", dave);
    await eve.fill("#transfer-amount", "1");
    await eve.click("#transfer button[type=submit]");
    await eve.locator("#confirm[open] button[value=cancel]").click();
    await eve.getByTestId("transfer-status").filter({ hasText: "You did not sign: nothing was sent." }).waitFor();
    expect(await city.chain.balance("Dave")).toBe(daveBefore + 1_250_000n);

    // more than she has: the contract's refusal, in words, before anything is signed
    await eve.fill("#transfer-to", dave);
    await eve.fill("#transfer-amount", "1000000");
    await eve.click("#transfer button[type=submit]");
    await eve.getByTestId("transfer-status").filter({ hasText: "You do not have that many credits" }).waitFor();
    expect(await city.chain.balance("Dave")).toBe(daveBefore + 1_250_000n);
    // and an address that is not one, named before the contract is asked
    await eve.fill("#transfer-to", "not-an-address");
    await eve.click("#transfer button[type=submit]");
    await eve.getByTestId("transfer-status").filter({ hasText: "is not an account address" }).waitFor();

    // she retires 1 SCP of her claim's receipt for the bakery next door (Dave): the part
    // split off the receipt is consumed, and the offset counts for Dave
    const retiredBefore = (await city.chain.read("credit_token", "retiredTotal", dave)).amount.toBigInt();
    await eve.fill("#retire-amount", "1");
    await eve.fill("#retire-for", dave);
    await eve.fill("#retire-note", "Bakery ovens, first half of 2026");
    await eve.fill("#retire-from", "2026-01-01");
    await eve.fill("#retire-to", "2026-07-01");
    await eve.check(`#retire-receipt-${receiptId}`);
    await eve.click("#retire button[type=submit]");
    await sent(eve, "retire", "Retire as carbon offset");
    expect((await city.chain.read("credit_token", "retiredTotal", dave)).amount.toBigInt()).toBe(retiredBefore + 1_000_000n);
    const rest = (await city.chain.read("credit_token", "receipt", receiptId)).unwrap();
    expect(rest.amount.toBigInt()).toBe(owed - 1_000_000n);
    expect(rest.retirement.isNone).toBe(true);
    await eve.locator("[data-testid=receipts] td", { hasText: /^retired \(#\d+\)$/ }).first().waitFor();
    // an empty period is refused before anything is signed
    await eve.fill("#retire-amount", "1");
    await eve.fill("#retire-note", "Bakery ovens");
    await eve.fill("#retire-from", "2026-07-01");
    await eve.fill("#retire-to", "2026-07-01");
    await eve.click("#retire button[type=submit]");
    await eve.getByTestId("retire-status").filter({ hasText: "The period must end after it starts." }).waitFor();
    await eve.close();
  });
});
