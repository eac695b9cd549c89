// Small DOM helpers shared by the pages: elements, labelled fields, and the line that
// follows an extrinsic from its fee to its block.
import type { Account, City, ContractName, Progress, Sent } from "./chain";
import { fee } from "./format";

type Child = Node | string | null | undefined | false;

/** `h("p", { class: "note" }, "text", child)`: an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child) element.append(child);
  }
  return element;
}

/** A labelled input; `id` names it for tests and for the label. */
export function field(id: string, label: string, attrs: Record<string, string | boolean> = {}): HTMLElement {
  return h("label", { for: id }, h("span", {}, label), h("input", { id, name: id, ...attrs }));
}

/** The value of the input `id` inside `root`. */
export function value(root: ParentNode, id: string): string {
  const input = root.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`);
  return input?.value ?? "";
}

/** A row of [`table`]: its cells' text, and a test id (`offer-3`) when it has one. */
export interface Row {
  id?: string;
  cells: string[];
}

/**
 * A table (`data-testid` `id`) with a header row of `columns`, or, with no rows, `empty` in
 * a note.
 */
export function table(id: string, columns: string[], rows: Row[], empty: string, caption?: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "note" }, empty);
  return h(
    "table",
    { "data-testid": id },
    caption ? h("caption", {}, caption) : null,
    h("tr", {}, ...columns.map((column) => h("th", { scope: "col" }, column))),
    ...rows.map((row) => h("tr", { "data-testid": row.id }, ...row.cells.map((cell) => h("td", {}, cell)))),
  );
}

/** Definition rows: `[["Balance", "12.5 SCP"], ...]`; each value has a test id. */
export function facts(rows: [string, string, string][]): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    ...rows.flatMap(([label, text, testId]) => [h("dt", {}, label), h("dd", { "data-testid": testId }, text)]),
  );
}

/**
 * A form that sends one extrinsic: `build` reads the inputs (throwing a sentence for bad
 * input) and returns the message and its arguments; the status line below the button
 * shows the fee, then ready, in block and finalized, or the refusal in words.
 */
export function sendForm(opts: {
  id: string;
  city: City;
  account: Account;
  fields: HTMLElement[];
  submit: string;
  /**
   * Reads the form; may send a preparatory extrinsic first (an allowance), reporting its
   * progress through `step`.
   */
  build: (
    form: HTMLFormElement,
    step: (label: string) => (p: Progress) => void,
  ) => Promise<{ contract: ContractName; message: string; args: unknown[] }>;
  done: (result: Sent) => void | Promise<void>;
}): HTMLFormElement {
  const status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": `${opts.id}-status` });
  const button = h("button", { type: "submit" }, opts.submit);
  const form = h("form", { id: opts.id, novalidate: true }, ...opts.fields, button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.className = "status";
    status.textContent = "";
    try {
      const step = (label: string) => (p: Progress) => {
        status.textContent = `${label}: ${describe(p, opts.city)}`;
      };
      const { contract, message, args } = await opts.build(form, step);
      const result = await opts.city.send(opts.account, contract, message, args, (p) => {
        status.textContent = describe(p, opts.city);
      });
      status.className = "status ok";
      announce(`${opts.submit}: done (${describe({ stage: "in block", block: result.block }, opts.city)})`);
      form.reset(); // what was sent is not offered again
      await opts.done(result);
    } catch (error) {
      status.className = "status error";
      status.textContent = (error as Error).message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/**
 * Says `text` in the page's notice line (outside the page, so it outlives the page being
 * drawn again after the extrinsic; screen readers read it out).
 */
export function announce(text: string, error = false) {
  const notice = document.getElementById("notice");
  if (!notice) return;
  notice.textContent = text;
  notice.className = error ? "error" : "ok";
}

/** A progress step in words. */
export function describe(progress: Progress, city: City): string {
  const { symbol, decimals } = city.native;
  switch (progress.stage) {
    case "estimating":
      return "Checking with the contract…";
    case "signing":
      return (
        `Fee ${fee(progress.fee, symbol, decimals)}` +
        (progress.deposit > 0n ? ` + storage deposit ${fee(progress.deposit, symbol, decimals)}` : "") +
        ": waiting for your word…"
      );
    case "ready":
      return "Sent: waiting for a block…";
    case "in block":
      return `In block ${progress.block?.slice(0, 10)}…`;
    case "finalized":
      return `Finalized in block ${progress.block?.slice(0, 10)}…`;
    case "failed":
      return progress.error;
  }
}
