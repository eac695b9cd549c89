// Operator (transit operators only): the planning report of the operator's routes, how
// full each hour's departures ran and how many would carry the same riders at the target
// load (as `smartcity fares report` computes it), as a chart; scheduling a departure.
import { u8aToString } from "@polkadot/util";
import { parseId, time } from "../format";
import { suggestions, type TripLoad } from "../planning";
import { field, h, sendForm, value } from "../ui";
import { big, get, type Page } from "./page";
import { untilMissing } from "./paging";

const MAX_ROUTES = 50;
const MAX_TRIPS = 200;
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
    const routes = (
      await untilMissing(MAX_ROUTES, async (id) => {
        const route: any = await city.read("fare_pricing", "route", me, id);
        return route.isSome ? route.unwrap() : undefined;
      })
    ).filter(([, route]) => get(route, "operator").toString() === me);
    const mine = new Set(routes.map(([id]) => id));
    const trips = await untilMissing(MAX_TRIPS, async (id) => {
      const trip: any = await city.read("fare_pricing", "trip", me, id);
      return trip.isSome ? trip.unwrap() : undefined;
    });
    const loads: TripLoad[] = trips
      .filter(([, trip]) => mine.has(big(get(trip, "route"))))
      .map(([id, trip]) => ({
        trip: id,
        route: big(get(trip, "route")),
        departureMs: big(get(trip, "departure_ms")),
        capacity: Number(get(trip, "capacity").toString()),
        segmentLoad: get(trip, "segment_load").toArray().map((n: any) => Number(n.toString())),
        passengerStages: big(get(trip, "passenger_stages")),
        cancelled: get(trip, "state").type === "Cancelled",
      }));
    const report = suggestions(loads, settings.target * 100);
    const routeName = (id: bigint) => {
      const stops: any[] = get(routes.find(([r]) => r === id)![1], "stops").toArray();
      return `#${id} ${u8aToString(stops[0].toU8a(true))} – ${u8aToString(stops[stops.length - 1].toU8a(true))}`;
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

    const schedule = routes.length
      ? sendForm({
          id: "add-trip",
          city,
          account,
          fields: [
            field("trip-route", `Route (${routes.map(([id]) => `#${id}`).join(", ")})`, { required: true, inputmode: "numeric", value: routes[0][0].toString() }),
            field("trip-departure", "Departure (your time)", { type: "datetime-local", required: true }),
            field("trip-capacity", "Seats", { required: true, inputmode: "numeric", value: "40" }),
          ],
          submit: "Schedule departure",
          build: async (form) => {
            const route = parseId(value(form, "trip-route"), "route");
            if (!mine.has(route)) throw new Error(`Route #${route} is not one of yours.`);
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
      h("p", { class: "note" }, `${routes.length} route${routes.length === 1 ? "" : "s"}, ${loads.length} departures; next: ${
        loads.filter((l) => !l.cancelled && l.departureMs > BigInt(Date.now())).map((l) => time(l.departureMs)).slice(0, 3).join(", ") || "none"
      }`),
      target,
      chart,
      h("h3", {}, "Schedule a departure"),
      schedule,
    );
  },
};
