// What the browser tests share: Debian's chromium driven by playwright-core, the app
// served at SMARTCITY_WEB_URL for the node at SMARTCITY_NODE_URL, and the chain read back
// through @polkadot/api (not through the page) to check what a click really did.
import { ApiPromise, WsProvider } from "@polkadot/api";
import { ContractPromise } from "@polkadot/api-contract";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { outcomeOf } from "../src/chain";

export const NODE_URL = required("SMARTCITY_NODE_URL");
export const WEB_URL = required("SMARTCITY_WEB_URL");
/** The app's own copy of the deployment and the metadata (scripts/lib/web-suite.sh). */
const CHAIN_DIR = new URL("../public/chain/", import.meta.url);
/** Screenshots of each page, shown in the README. */
export const SHOTS = process.env.SMARTCITY_SCREENSHOTS ?? new URL("../../../docs/web/", import.meta.url).pathname;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: scripts/lib/web-suite.sh runs these tests`);
  return value;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A test file's browser and chain, started before its tests and closed after them:
 * `const city = useCity();` then `city.browser`, `city.chain` inside the tests.
 */
export function useCity(): { browser: Browser; chain: Chain } {
  const city = {} as { browser: Browser; chain: Chain };
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    city.browser = await launch();
    city.chain = await Chain.connect();
  });
  afterAll(async () => {
    await city.browser?.close();
    await city.chain?.disconnect();
  });
  return city;
}

/** The dev account `//name`'s address (what the app's account picker holds). */
export async function devAddress(name: string): Promise<string> {
  await cryptoWaitReady();
  return new Keyring({ type: "sr25519", ss58Format: 42 }).addFromUri(`//${name}`).address;
}

/** Opens the app at `page` (`wallet`, `vouchers`) signing as dev account `name`. */
export async function open(browser: Browser, name: string, path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  page.on("pageerror", (error) => console.error(`[page] ${error.message}`));
  await page.goto(`${WEB_URL}/?node=${encodeURIComponent(NODE_URL)}#/${path}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const address = await devAddress(name);
  await page.selectOption("#account", address);
  // the page drawn for this account, not the one shown before the switch
  await page.waitForSelector(`#page[data-account="${address}"][data-page="${path}"] section`);
  return page;
}

/**
 * Waits until the notice line says the form `form` (its submit button says `what`) was
 * sent and in a block, signing at each fee dialog on the way (an allowance first makes
 * two); fails at once with the form's own words if it was refused.
 */
export async function sent(page: Page, form: string, what: string): Promise<string> {
  const done = page.locator("#notice").filter({ hasText: `${what}: done` });
  const refused = page.locator(`#${form} .status.error`);
  const sign = page.locator("#confirm[open] button[value=sign]");
  for (let dialogs = 0; dialogs < 4; dialogs++) {
    await done.or(refused).or(sign).first().waitFor({ timeout: 120_000 });
    if (await sign.isVisible()) {
      expect(await page.locator("#confirm-text").textContent()).toMatch(/^This costs a fee of \d/);
      await sign.click();
      await sign.waitFor({ state: "hidden" });
      continue;
    }
    if (await refused.isVisible()) {
      throw new Error(`${what} was refused: ${await refused.textContent()}`);
    }
    return (await done.textContent()) ?? "";
  }
  throw new Error(`${what}: more fee dialogs than any form asks for`);
}

/** The chain, read without the page. */
export class Chain {
  private constructor(
    readonly api: ApiPromise,
    readonly contracts: Record<string, ContractPromise>,
  ) {}

  static async connect(): Promise<Chain> {
    const manifest = JSON.parse(readFileSync(new URL("deployment.json", CHAIN_DIR), "utf8"));
    const api = await ApiPromise.create({ provider: new WsProvider(NODE_URL), noInitWarn: true });
    const contracts: Record<string, ContractPromise> = {};
    for (const name of Object.keys(manifest.contracts)) {
      const abi = JSON.parse(readFileSync(new URL(`abi/${name}.json`, CHAIN_DIR), "utf8"));
      contracts[name] = new ContractPromise(api, abi, manifest.contracts[name].address);
    }
    return new Chain(api, contracts);
  }

  async read(contract: string, message: string, ...args: unknown[]): Promise<any> {
    const caller = await devAddress("Alice");
    const weights: any = this.api.consts.system.blockWeights;
    const { output } = await this.contracts[contract].query[message](
      caller,
      { gasLimit: weights.perClass.normal.maxExtrinsic.unwrap(), storageDepositLimit: null },
      ...args,
    );
    const outcome = outcomeOf(output);
    if (!outcome.ok) throw new Error(`${contract}.${message}: ${outcome.error}`);
    return outcome.value;
  }

  /** An account the deployment names (`admin`, `issuer`, `treasury`, ...). */
  manifestAccount(role: string): string {
    const manifest = JSON.parse(readFileSync(new URL("deployment.json", CHAIN_DIR), "utf8"));
    const account = manifest.accounts?.[role];
    if (!account) throw new Error(`the deployment names no ${role}`);
    return account;
  }

  async balance(name: string): Promise<bigint> {
    return (await this.read("credit_token", "psp22::balanceOf", await devAddress(name))).toBigInt();
  }

  disconnect() {
    return this.api.disconnect();
  }
}
