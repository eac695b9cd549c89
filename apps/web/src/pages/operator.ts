// Operator (transit operators only): the planning report of the operator's routes, how
// full each hour's departures ran and how many would carry the same riders at the target
// load (as `smartcity fares report` computes it), as a chart; scheduling a departure.
import { parseId, time } from "../format";
import { suggestions } from "../planning";
import { field, h, sendForm, value } from "../ui";
import type { Page } from "./page";
import { routes, trips } from "./fares";

/** The target load, kept between redraws (percent). */
const settings = { target: 80 };

export const operator: Page = {
  path: "operator",
  title: "Operator",
  async render({ city, account, refresh }) {
    const me = account.address;
    const isOperator = (await city.read<any>("fare_pricing", "isOperator", me, me)).isTrue;
    if (!isOperator) {
      return h(
        "section",
        { "aria-labelledby": "operator-title" },
        h("h2", { id: "operator-title" }, "Operator"),
        h("p", { class: "note", "data-testid": "not-operator" }, "This page is for transit operators: this account is not one."),
      );
    }
    const mine = (await routes(city, me)).filter((route) => route.operator === me);
    const mineIds = new Set(mine.map((route) => route.id));
    const loads = (await trips(city, me)).filter((trip) => mineIds.has(trip.route));
    const report = suggestions(loads, settings.target * 100);
    const routeName = (id: bigint) => {
      const stops = mine.find((route) => route.id === id)!.stops;
      return `#${id} ${stops[0]} – ${stops[stops.length - 1]}`;
    };

    const target = h("form", { id: "target" }, field("target-load", "Target load (%)", { inputmode: "numeric", value: String(settings.target) }), h("button", { type: "submit" }, "Plan"));
    target.addEventListener("submit", (event) => {
      event.preventDefault();
      const percent = Number(value(target, "target-load"));
      if (Number.isInteger(percent) && percent >= 10 && percent <= 100) settings.target = percent;
      refresh();
    });

    const chart = report.length
      ? h(
          "figure",
          { class: "chart", "data-testid": "planning" },
          h("figcaption", {}, `Load per route and hour of departure (UTC); the line marks the ${settings.target} % target`),
          ...report.map((s) =>
            h(
              "div",
              { class: "bar-row plan", "data-testid": `plan-${s.route}-${s.hour}` },
              h("span", { class: "bar-label" }, `${routeName(s.route)}, ${String(s.hour).padStart(2, "0")}:00`),
              h(
                "span",
                { class: "bar target", role: "img", "aria-label": `load ${s.loadFactorBps / 100} %`, style: `--share: ${Math.min(100, s.loadFactorBps / 100)}%; --target: ${settings.target}%` },
                h("span", { class: "bar-fill" }),
              ),
              h("span", { class: "bar-value" }, `${(s.loadFactorBps / 100).toFixed(0)} %`),
              h(
                "span",
                { class: "plan-note", "data-testid": `suggest-${s.route}-${s.hour}` },
                `${s.trips} departure${s.trips === 1 ? "" : "s"}, busiest segment ${(s.peakSegmentBps / 100).toFixed(0)} % full: ` +
                  `${s.suggestedTrips} departure${s.suggestedTrips === 1 ? "" : "s"} at ${settings.target} %`,
              ),
            ),
          ),
        )
      : h("p", { class: "note" }, "No departures on your routes yet.");

    const schedule = mine.length
      ? sendForm({
          id: "add-trip",
          city,
          account,
          fields: [
            field("trip-route", `Route (${mine.map((route) => `#${route.id}`).join(", ")})`, { required: true, inputmode: "numeric", value: mine[0].id.toString() }),
            field("trip-departure", "Departure (your time)", { type: "datetime-local", required: true }),
            field("trip-capacity", "Seats", { required: true, inputmode: "numeric", value: "40" }),
          ],
          submit: "Schedule departure",
          build: async (form) => {
            const route = parseId(value(form, "trip-route"), "route");
            if (!mineIds.has(route)) throw new Error(`Route #${route} is not one of yours.`);
            const departure = new Date(value(form, "trip-departure")).getTime();
            if (!Number.isFinite(departure)) throw new Error("Give the departure's date and time.");
            const seats = Number(value(form, "trip-capacity"));
            if (!Number.isInteger(seats) || seats < 1) throw new Error("Give the seats as a whole number.");
            return { contract: "fare_pricing", message: "addTrip", args: [route, BigInt(departure), seats] };
          },
          done: refresh,
        })
      : null;

    return h(
      "section",
      { "aria-labelledby": "operator-title" },
      h("h2", { id: "operator-title" }, "Operator"),
      h("p", { class: "note" }, `${mine.length} route${mine.length === 1 ? "" : "s"}, ${loads.length} departures; next: ${
        loads.filter((l) => !l.cancelled && l.departureMs > BigInt(Date.now())).map((l) => time(l.departureMs)).slice(0, 3).join(", ") || "none"
      }`),
      target,
      chart,
      h("h3", {}, "Schedule a departure"),
      schedule,
    );
  },
};
