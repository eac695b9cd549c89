import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { devAddress, launch, NODE_URL, SHOTS, WEB_URL } from "./city";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

const PAGES = ["wallet", "vouchers", "energy", "parking", "transit", "operator"];

describe("every page on a phone, by keyboard", () => {
  it("fits a 390-pixel-wide screen, and every control has a label and is reached by Tab", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await page.goto(`${WEB_URL}/?node=${encodeURIComponent(NODE_URL)}#/wallet`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await page.selectOption("#account", await devAddress("Alice"));
    for (const path of PAGES) {
      await page.evaluate((p) => (location.hash = `#/${p}`), path);
      await page.waitForSelector(`#page section[aria-labelledby=${path}-title]`);
      const report = await page.evaluate(() => {
        const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea, button")];
        const unlabelled = controls
          .filter((c) => c.tagName !== "BUTTON")
          .filter((c) => !(c.closest("label") || c.getAttribute("aria-label")))
          .map((c) => c.id || c.outerHTML.slice(0, 60));
        const unreachable = controls.filter((c) => c.tabIndex < 0).map((c) => c.id || c.tagName);
        return { width: document.documentElement.scrollWidth, unlabelled, unreachable, controls: controls.length };
      });
      expect({ path, ...report, controls: report.controls > 0 }).toEqual({
        path,
        width: 390,
        unlabelled: [],
        unreachable: [],
        controls: true,
      });
    }
    // Tab from the top reaches the page's first button without a mouse
    await page.evaluate(() => (location.hash = "#/wallet"));
    await page.waitForSelector("#page section[aria-labelledby=wallet-title]");
    await page.locator("#account").focus();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.closest("#page form") !== null);
    }
    expect(reached).toBe(true);
    await page.evaluate(() => (location.hash = "#/transit"));
    await page.waitForSelector("#page section[aria-labelledby=transit-title]");
    mkdirSync(SHOTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/phone-transit.png` });
    await page.close();
  });
});
