// The app's shell: connects to the node, picks the signing account, and shows one page
// at a time (`#/wallet`, `#/vouchers`, `#/energy`, `#/parking`, `#/transit`, `#/operator`), drawn again whenever the city's contracts emit.
import "./style.css";
import { devAccounts, extensionAccounts } from "./accounts";
import { City, type Account, type ConfirmFee } from "./chain";
import { fee, short } from "./format";
import type { Page } from "./pages/page";
import { energy } from "./pages/energy";
import { operator } from "./pages/operator";
import { parking } from "./pages/parking";
import { transit } from "./pages/transit";
import { vouchers } from "./pages/vouchers";
import { wallet } from "./pages/wallet";
import { announce, h } from "./ui";

const PAGES: Page[] = [wallet, vouchers, energy, parking, transit, operator];
const ACCOUNT_KEY = "smartcity.account";

async function start() {
  const status = document.getElementById("connection")!;
  const main = document.getElementById("page")!;
  const nodeUrl = new URLSearchParams(location.search).get("node");
  status.textContent = "Connecting to the node…";
  let city: City;
  try {
    city = await City.connect(nodeUrl);
  } catch (error) {
    status.textContent = `Cannot reach the city: ${(error as Error).message}`;
    status.className = "error";
    return;
  }
  const accounts: Account[] = await extensionAccounts("Smart City").catch(() => []);
  if (city.devChain) accounts.push(...(await devAccounts(city.api.registry.chainSS58 ?? 42)));
  city.confirmFee = confirmFee(city);
  status.textContent = `${city.manifest.network} · ${(await city.api.rpc.system.chain()).toString()}`;
  if (accounts.length === 0) {
    main.replaceChildren(
      h("p", { class: "error" }, "No account to sign with: install the polkadot.js extension and add an account."),
    );
    return;
  }

  const picker = document.getElementById("account") as HTMLSelectElement;
  picker.replaceChildren(
    ...accounts.map((account) => h("option", { value: account.address }, `${account.name} · ${short(account.address)}`)),
  );
  const saved = localStorage.getItem(ACCOUNT_KEY);
  if (saved && accounts.some((a) => a.address === saved)) picker.value = saved;
  const account = () => accounts.find((a) => a.address === picker.value) ?? accounts[0];

  const nav = document.getElementById("pages")!;
  nav.replaceChildren(...PAGES.map((page) => h("a", { href: `#/${page.path}`, "data-page": page.path }, page.title)));

  let drawing = 0;
  const draw = async () => {
    const turn = ++drawing;
    const page = PAGES.find((p) => location.hash === `#/${p.path}`) ?? PAGES[0];
    const signer = account();
    nav.querySelectorAll("a").forEach((a) => a.toggleAttribute("aria-current", a.dataset.page === page.path));
    // what the page shown is drawn for (the browser tests wait for it after switching)
    const shown = main.dataset.page === page.path && main.dataset.account === signer.address;
    try {
      const element = await page.render({ city, account: signer, refresh: () => void draw() });
      // a form that started sending while this page was being drawn keeps its status line:
      // its own `done` draws the page again when it is through
      if (turn === drawing && !main.querySelector("button[disabled]")) {
        keepTyped(main, element);
        main.replaceChildren(element);
        main.dataset.page = page.path;
        main.dataset.account = signer.address;
      }
    } catch (error) {
      if (turn !== drawing) return;
      const message = (error as Error).message;
      // a live update that fails leaves the page the resident is typing in as it is
      if (shown && main.querySelector("form")) announce(`The page could not be brought up to date: ${message}`, true);
      else {
        main.replaceChildren(h("p", { class: "error" }, message));
        delete main.dataset.page;
        delete main.dataset.account;
      }
    }
  };
  picker.addEventListener("change", () => {
    localStorage.setItem(ACCOUNT_KEY, picker.value);
    void draw();
  });
  window.addEventListener("hashchange", () => void draw());
  // live updates: a contract event in a block redraws the page, unless a form is sending
  city.onCityEvent(() => {
    if (!main.querySelector("button[disabled]")) void draw();
  });
  await draw();
  document.body.dataset.ready = "true";
}

/** Shows an extrinsic's fee and deposit in a dialog before anything is signed. */
function confirmFee(city: City): ConfirmFee {
  const dialog = document.getElementById("confirm") as HTMLDialogElement;
  const text = document.getElementById("confirm-text")!;
  return (feeValue, deposit) => {
    const { symbol, decimals } = city.native;
    text.textContent =
      `This costs a fee of ${fee(feeValue, symbol, decimals)}` +
      (deposit > 0n ? ` and a storage deposit of ${fee(deposit, symbol, decimals)} (returned when the data is removed)` : "") +
      ". Sign and send it?";
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "sign"), { once: true }));
  };
}

/**
 * What the resident typed in the page being replaced goes into the new one, field by field
 * (a live update must not wipe a half-filled form); a field the new page fills itself
 * (another default) is left as drawn. Each form's status line goes along too, so an
 * outcome shown just before a live update is not wiped by it.
 */
function keepTyped(from: HTMLElement, to: HTMLElement) {
  // a form's status line (the last send's outcome, a refusal in words) outlives a redraw
  from.querySelectorAll<HTMLElement>("form[id] [role=status]").forEach((old) => {
    const form = old.closest("form");
    const fresh = form ? to.querySelector<HTMLElement>(`form#${form.id} [role=status]`) : null;
    if (fresh && !fresh.textContent && old.textContent) {
      fresh.textContent = old.textContent;
      fresh.className = old.className;
    }
  });
  from.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input[id]:not([type=file]), textarea[id]").forEach((old) => {
    const fresh = to.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${old.id}`);
    if (!fresh || fresh.readOnly) return;
    if (old instanceof HTMLInputElement && old.type === "checkbox" && fresh instanceof HTMLInputElement) {
      fresh.checked = old.checked;
    } else if (old.value !== old.defaultValue && fresh.value === fresh.defaultValue) {
      fresh.value = old.value;
    }
  });
}

void start();
