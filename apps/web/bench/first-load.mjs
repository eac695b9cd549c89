// First-load time of the built app on this machine (a benchmark, not a test): a fresh
// browser context each time (nothing cached), from navigation to the wallet drawn with the
// chain's answers (`body[data-ready]`). Run against a served build and a node:
//   SMARTCITY_WEB_URL=http://127.0.0.1:4173 SMARTCITY_NODE_URL=ws://127.0.0.1:9944 npm run bench
import { chromium } from "playwright-core";

const web = process.env.SMARTCITY_WEB_URL;
const node = process.env.SMARTCITY_NODE_URL;
const runs = Number(process.env.RUNS ?? 7);
if (!web || !node) {
  console.error("set SMARTCITY_WEB_URL and SMARTCITY_NODE_URL (see the top of this file)");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const samples = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(`${web}/?node=${encodeURIComponent(node)}#/wallet`);
  const loaded = performance.now();
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const ready = performance.now();
  const transferred = await page.evaluate(() =>
    performance.getEntriesByType("resource").reduce((sum, e) => sum + (e.transferSize ?? 0), 0),
  );
  samples.push({ load: loaded - started, ready: ready - started, transferred });
  await context.close();
}
await browser.close();
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`first load over ${runs} fresh contexts (median): page loaded ${median(samples.map((s) => s.load)).toFixed(0)} ms, ` +
  `wallet drawn with the chain's answers ${median(samples.map((s) => s.ready)).toFixed(0)} ms; ` +
  `resources fetched after the page ${median(samples.map((s) => s.transferred))} bytes`);
