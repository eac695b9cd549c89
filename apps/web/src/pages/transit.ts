// Transit: the routes, the exact fare beside the slab fare for a chosen pair of stops,
// booking a ticket on a trip (the fare moves into escrow from an allowance), the
// resident's tickets (the contract keeps them under a pseudonym per ticket, see
// `../rider`), a cancelled trip's fare claimed back, and a trip's passengers per segment
// as a chart.
import { credits, parseCredits, parseId, time } from "../format";
import { facts, field, h, sendForm, table, value } from "../ui";
import { big, get, type Page } from "./page";
import { routes, trips, type TripView } from "./fares";
import { everyPage } from "./paging";
import { payingFromAllowance } from "../allowance";
import { ticketTag } from "../rider";

/** The contract's largest page of a trip's tickets. */
const TICKET_PAGE = 32;
/** Tickets of one trip read at most (cancelled ones included). */
const MAX_TICKETS = 1_024;

/** The rider's choice, kept between redraws. */
const choice = { route: 0n, board: 0, alight: 1, trip: -1n };

/** A select whose change updates `choice` and draws the page again. */
function select(id: string, label: string, options: [string, string][], selected: string, onChange: (v: string) => void) {
  const element = h("select", { id, name: id }, ...options.map(([v, text]) => h("option", { value: v, selected: v === selected }, text)));
  element.addEventListener("change", () => onChange(element.value));
  return h("label", { for: id }, h("span", {}, label), element);
}

export const transit: Page = {
  path: "transit",
  title: "Transit",
  async render({ city, account, refresh }) {
    const me = account.address;
    const fares = city.manifest.contracts.fare_pricing.address;
    const routeList = await routes(city, me);
    if (routeList.length === 0) {
      return h(
        "section",
        { "aria-labelledby": "transit-title" },
        h("h2", { id: "transit-title" }, "Transit"),
        h("p", { class: "note" }, "No routes are published yet."),
      );
    }
    if (!routeList.some((r) => r.id === choice.route)) choice.route = routeList[0].id;
    const stops = routeList.find((r) => r.id === choice.route)!.stops;
    if (choice.board >= stops.length - 1) choice.board = 0;
    if (choice.alight <= choice.board || choice.alight >= stops.length) choice.alight = choice.board + 1;

    const allTrips = await trips(city, me);
    const now = BigInt(Date.now());
    const upcoming = allTrips.filter((t) => t.route === choice.route && t.state === "Scheduled" && t.departureMs > now);
    if (!upcoming.some((t) => t.trip === choice.trip)) choice.trip = upcoming[0]?.trip ?? -1n;

    const quote: any = await city.read("fare_pricing", "quote", me, choice.route, choice.board, choice.alight);
    const exact = big(get(quote, "exact"));
    const slab = big(get(quote, "slab"));

    const chooser = h(
      "div",
      { class: "chooser" },
      select("route", "Route", routeList.map((r) => [r.id.toString(), `#${r.id}: ${r.stops.join(" – ")}`]), choice.route.toString(), (v) => {
        choice.route = BigInt(v);
        refresh();
      }),
      select("board", "From", stops.slice(0, -1).map((s, i) => [String(i), s]), String(choice.board), (v) => {
        choice.board = Number(v);
        refresh();
      }),
      select("alight", "To", stops.map((s, i) => [String(i), s] as [string, string]).slice(choice.board + 1), String(choice.alight), (v) => {
        choice.alight = Number(v);
        refresh();
      }),
    );

    const book = upcoming.length
      ? sendForm({
          id: "book-ticket",
          city,
          account,
          fields: [
            select("ticket-trip", "Departure", upcoming.map((t) => [t.trip.toString(), `#${t.trip} at ${time(t.departureMs)}`]), choice.trip.toString(), (v) => {
              choice.trip = BigInt(v);
              refresh();
            }),
          ],
          submit: "Book ticket",
          build: async (form, step) => {
            const trip = parseId(value(form, "ticket-trip"), "departure");
            const call = { contract: "fare_pricing" as const, message: "bookTicket", args: [trip, choice.board, choice.alight] };
            return payingFromAllowance(city, account, fares, exact, call, step);
          },
          done: refresh,
        })
      : h("p", { class: "note" }, "No upcoming departures on this route.");

    // M-5: what this route's operator may charge the resident's tap-in rides, set by the
    // resident (a tap-in holds the dearest ride from its stop; the tap-out gives back the rest)
    const operator = routeList.find((r) => r.id === choice.route)!.operator;
    const cap = big(await city.read("fare_pricing", "spendingCap", me, me, operator));
    const setCap = sendForm({
      id: "tap-cap",
      city,
      account,
      fields: [field("tap-cap-amount", "Let this route's operator charge my tap-in rides up to (SCP; 0 withdraws)", { required: true, inputmode: "decimal" })],
      submit: "Set the limit",
      build: async (form) => ({
        contract: "fare_pricing",
        message: "setSpendingCap",
        args: [operator, parseCredits(value(form, "tap-cap-amount"))],
      }),
      done: refresh,
    });

    const stopName = (routeId: bigint, index: any): string => {
      const i = Number(index.toString());
      return routeList.find((r) => r.id === routeId)?.stops[i] ?? `stop ${i}`;
    };

    // the resident's tickets, trip by trip
    const mine: { id: bigint; trip: TripView; ticket: any }[] = [];
    for (const trip of allTrips) {
      const tickets = await everyPage<any>(TICKET_PAGE, MAX_TICKETS, async (from) =>
        (await city.read<any>("fare_pricing", "tripTickets", me, trip.trip, from, TICKET_PAGE)).toArray(),
      );
      for (const entry of tickets) {
        const id = big(entry[0]);
        if (get(entry[1], "riderTag").toString() === ticketTag(me, id)) mine.push({ id, trip, ticket: entry[1] });
      }
    }
    const tickets = table(
      "my-tickets",
      ["Ticket", "Departure", "Ride", "Fare", "State"],
      mine.map(({ id, trip, ticket }) => ({
        id: `ticket-${id}`,
        cells: [
          `#${id}`,
          `#${trip.trip} at ${time(trip.departureMs)}`,
          `${stopName(trip.route, get(ticket, "board"))} → ${stopName(trip.route, get(ticket, "alight"))}`,
          `${credits(big(get(ticket, "fare")))} SCP`,
          get(ticket, "state").type,
        ],
      })),
      "No tickets yet.",
      "My tickets",
    );

    // a cancelled trip's tickets: the rider claims each fare back from escrow
    const refundable = mine.filter(({ trip, ticket }) => trip.state === "Cancelled" && ["Booked", "Boarded"].includes(get(ticket, "state").type));
    const claim = refundable.length
      ? sendForm({
          id: "claim-refund",
          city,
          account,
          fields: [
            select("refund-ticket", "Ticket of a cancelled departure", refundable.map(({ id, ticket }) => [id.toString(), `#${id}: ${credits(big(get(ticket, "fare")))} SCP`]), refundable[0].id.toString(), () => {}),
          ],
          submit: "Claim the fare back",
          build: async (form) => ({
            contract: "fare_pricing",
            message: "claimRefund",
            args: [parseId(value(form, "refund-ticket"), "ticket")],
          }),
          done: refresh,
        })
      : null;

    // the chosen departure's load per segment
    let chart: HTMLElement | null = null;
    const shown = allTrips.find((t) => t.trip === choice.trip);
    if (shown) {
      const occupancy: any = await city.read("fare_pricing", "occupancy", me, shown.trip);
      const loads: number[] = occupancy[0].toArray().map((n: any) => Number(n.toString()));
      const factor = Number(occupancy[1].toString()) / 100;
      chart = h(
        "figure",
        { class: "chart", "data-testid": "occupancy" },
        h("figcaption", {}, `Departure #${shown.trip}: passengers per segment (${shown.capacity} seats; load factor ${factor.toFixed(1)} %)`),
        ...loads.map((load, i) =>
          h(
            "div",
            { class: "bar-row" },
            h("span", { class: "bar-label" }, `${stops[i]} → ${stops[i + 1]}`),
            h(
              "span",
              { class: "bar", role: "img", "aria-label": `${load} of ${shown.capacity} seats`, style: `--share: ${Math.min(100, (100 * load) / Math.max(1, shown.capacity))}%` },
              h("span", { class: "bar-fill" }),
            ),
            h("span", { class: "bar-value", "data-testid": `segment-${i}` }, `${load}/${shown.capacity}`),
          ),
        ),
      );
    }

    return h(
      "section",
      { "aria-labelledby": "transit-title" },
      h("h2", { id: "transit-title" }, "Transit"),
      chooser,
      facts([
        ["Exact fare for these stops", `${credits(exact)} SCP`, "exact-fare"],
        ["The slab fare would be", `${credits(slab)} SCP`, "slab-fare"],
      ]),
      book,
      h("h3", {}, "Tap-in rides"),
      facts([["This route's operator may still charge my tap-in rides", `${credits(cap)} SCP`, "tap-cap"]]),
      setCap,
      chart,
      h("h3", {}, "My tickets"),
      tickets,
      claim,
    );
  },
};
