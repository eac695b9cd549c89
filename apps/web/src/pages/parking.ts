// Parking: free spaces for a time window (paged as the contract pages them), booking one
// (the rent, fixed now, moves into escrow from an allowance), the resident's bookings and
// cancelling one; listing a space watched by a sensor the resident owns.
import { hexToU8a, isHex, stringToU8a, u8aToString } from "@polkadot/util";
import { credits, parseCredits, parseId, time } from "../format";
import { facts, field, h, sendForm, table, value } from "../ui";
import { big, get, type Page } from "./page";
import { everyPage, walkPages } from "./paging";
import { payingFromAllowance } from "../allowance";

/** The contract's largest page (`MAX_PAGE`). */
const PAGE = 32;
const MAX_SPACE_IDS = 640;
/** A renter's bookings read at most (the contract bounds each renter's open bookings). */
const MAX_BOOKINGS = 320;
const MINUTE_MS = 60_000n;

/** The rent of `[start, end)`: started minutes at the hourly price, rounded up (as `rent`). */
export function rent(pricePerHour: bigint, startMs: bigint, endMs: bigint): bigint {
  const minutes = (endMs - startMs + MINUTE_MS - 1n) / MINUTE_MS;
  return (minutes * pricePerHour + 59n) / 60n;
}

/** "HH:MM" as minutes of the day (UTC, as the contract's windows are). */
export function minuteOfDay(text: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) > 59 || minutes > 1440) {
    throw new Error(`"${text}" is not a time of day (write 08:00; 24:00 for midnight)`);
  }
  return minutes;
}

/** The next whole hour, for the search's default start, as a datetime-local value. */
function nextHour(): string {
  const date = new Date(Date.now() + 3_600_000);
  date.setMinutes(0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:00`;
}

/** The search the page keeps between redraws. */
const search = { start: nextHour(), minutes: "60" };

export const parking: Page = {
  path: "parking",
  title: "Parking",
  async render({ city, account, refresh }) {
    const me = account.address;
    const rental = city.manifest.contracts.parking_rental.address;
    const startMs = BigInt(new Date(search.start).getTime());
    const minutes = Number(search.minutes);
    const endMs = startMs + BigInt(minutes) * MINUTE_MS;
    const valid = Number.isFinite(Number(startMs)) && Number.isInteger(minutes) && minutes > 0;

    const freeIds: bigint[] = valid
      ? await walkPages(PAGE, MAX_SPACE_IDS, async (from) => {
          const answer: any = await city.read("parking_rental", "freeSpaces", me, startMs, endMs, from, PAGE);
          return [answer[0].toArray().map(big), answer[1]];
        })
      : [];
    const spaces = await Promise.all(
      freeIds.map(async (id) => ({ id, space: (await city.read<any>("parking_rental", "space", me, id)).unwrap() })),
    );
    const bookings: any[] = await everyPage(PAGE, MAX_BOOKINGS, async (from) =>
      (await city.read<any>("parking_rental", "renterBookings", me, me, from, PAGE))[0].toArray(),
    );

    const finder = h(
      "form",
      { id: "find-space" },
      field("park-start", "From (your time)", { type: "datetime-local", required: true, value: search.start }),
      field("park-minutes", "For (minutes)", { required: true, inputmode: "numeric", value: search.minutes }),
      h("button", { type: "submit" }, "Find free spaces"),
    );
    finder.addEventListener("submit", (event) => {
      event.preventDefault();
      search.start = value(finder, "park-start");
      search.minutes = value(finder, "park-minutes").trim();
      refresh();
    });

    const free = table(
      "free-spaces",
      ["Space", "Area", "Price", "Stay", "This stay costs"],
      spaces.map(({ id, space }) => {
        const terms = get(space, "terms");
        const price = big(get(terms, "price_per_hour"));
        return {
          id: `space-${id}`,
          cells: [
            `#${id}`,
            u8aToString(get(terms, "geohash").toU8a(true)),
            `${credits(price)} SCP/h`,
            `${get(terms, "min_minutes").toString()}–${get(terms, "max_minutes").toString()} min`,
            `${credits(rent(price, startMs, endMs))} SCP`,
          ],
        };
      }),
      valid ? "No space is free for the whole of that time." : "Give a start and whole minutes.",
      `Free ${time(startMs)} – ${time(endMs)}`,
    );

    const book = sendForm({
      id: "book-space",
      city,
      account,
      fields: [field("book-space-id", "Space to book (number)", { required: true, inputmode: "numeric" })],
      submit: "Book",
      build: async (form, step) => {
        const id = parseId(value(form, "book-space-id"), "space");
        const found = spaces.find((s) => s.id === id);
        if (!found) throw new Error(`Space #${id} is not free for that time.`);
        const cost = rent(big(get(get(found.space, "terms"), "price_per_hour")), startMs, endMs);
        const call = { contract: "parking_rental" as const, message: "book", args: [id, null, startMs, endMs] };
        return payingFromAllowance(city, account, rental, cost, call, step);
      },
      done: refresh,
    });

    const mine = table(
      "my-bookings",
      ["Booking", "Space", "When", "Escrow", "State"],
      bookings.map((entry) => {
        const booking = entry[1];
        return {
          id: `booking-${big(entry[0])}`,
          cells: [
            `#${big(entry[0])}`,
            `#${big(get(booking, "space"))}`,
            `${time(big(get(booking, "start_ms")))} – ${time(big(get(booking, "end_ms")))}`,
            `${credits(big(get(booking, "escrow")))} SCP`,
            get(booking, "state").type,
          ],
        };
      }),
      "No bookings yet.",
      "My bookings",
    );

    const cancel = bookings.some((entry) => get(entry[1], "state").type === "Booked")
      ? sendForm({
          id: "cancel-booking",
          city,
          account,
          fields: [field("cancel-booking-id", "Booking to cancel (number)", { required: true, inputmode: "numeric" })],
          submit: "Cancel booking",
          build: async (form) => ({
            contract: "parking_rental",
            message: "cancel",
            args: [parseId(value(form, "cancel-booking-id"), "booking")],
          }),
          done: refresh,
        })
      : null;

    // M-1: payments the token could not deliver to the resident (while suspended, say)
    // wait in the contract until claimed
    const owed = big(await city.read("parking_rental", "payoutOwed", me, me));
    const claimPayout =
      owed > 0n
        ? sendForm({
            id: "claim-payout",
            city,
            account,
            fields: [],
            submit: `Claim ${credits(owed)} SCP waiting for you`,
            build: async () => ({ contract: "parking_rental", message: "claimPayout", args: [] }),
            done: refresh,
          })
        : null;

    // M-5: a car parked without a booking is billed only within what its owner lets that
    // space's owner bill it; the longest stay is held on the limit until the car leaves
    const walkIn = sendForm({
      id: "walk-in-cap",
      city,
      account,
      fields: [
        field("walk-in-space", "Space number (on its sign)", { required: true, inputmode: "numeric" }),
        field("walk-in-amount", "Let its owner bill my car up to (SCP; 0 withdraws)", { required: true, inputmode: "decimal" }),
      ],
      submit: "Set the limit",
      build: async (form) => {
        const id = parseId(value(form, "walk-in-space"), "space");
        const space: any = await city.read("parking_rental", "space", me, id);
        if (space.isNone) throw new Error(`There is no space #${id}.`);
        const owner = get(space.unwrap(), "owner").toString();
        return {
          contract: "parking_rental",
          message: "setSpendingCap",
          args: [owner, parseCredits(value(form, "walk-in-amount"))],
        };
      },
      done: refresh,
    });

    const list = sendForm({
      id: "list-space",
      city,
      account,
      fields: [
        field("list-sensor", "Sensor's device id (0x… on its label)", { required: true, autocomplete: "off" }),
        field("list-area", "Area (geohash, a neighbourhood: 6 characters)", { required: true, value: "" }),
        field("list-price", "Price per hour (SCP)", { required: true, inputmode: "decimal" }),
        field("list-min", "Shortest stay (minutes)", { required: true, inputmode: "numeric", value: "30" }),
        field("list-max", "Longest stay (minutes)", { required: true, inputmode: "numeric", value: "480" }),
        field("list-from", "Free daily from (UTC, HH:MM)", { required: true, value: "08:00" }),
        field("list-to", "until (UTC, HH:MM)", { required: true, value: "20:00" }),
      ],
      submit: "List my space",
      build: async (form) => {
        const sensor = value(form, "list-sensor").trim();
        if (!isHex(sensor) || hexToU8a(sensor).length !== 32) {
          throw new Error("The sensor's id is 0x and 64 hex digits, as on its label.");
        }
        const [min, max] = [Number(value(form, "list-min")), Number(value(form, "list-max"))];
        if (!Number.isInteger(min) || !Number.isInteger(max)) throw new Error("Give the stays in whole minutes.");
        const terms = {
          geohash: stringToU8a(value(form, "list-area").trim()),
          pricePerHour: parseCredits(value(form, "list-price")),
          minMinutes: min,
          maxMinutes: max,
          windows: [{ startMinute: minuteOfDay(value(form, "list-from")), endMinute: minuteOfDay(value(form, "list-to")) }],
        };
        return { contract: "parking_rental", message: "listSpace", args: [sensor, terms] };
      },
      done: refresh,
    });

    return h(
      "section",
      { "aria-labelledby": "parking-title" },
      h("h2", { id: "parking-title" }, "Parking"),
      facts([["Held in escrow for your bookings", `${credits(bookings.reduce((sum, e) => sum + (get(e[1], "state").type === "Booked" ? big(get(e[1], "escrow")) : 0n), 0n))} SCP`, "parking-escrow"]]),
      h("h3", {}, "Find a space"),
      finder,
      free,
      spaces.length ? book : null,
      h("h3", {}, "My bookings"),
      mine,
      cancel,
      h("h3", {}, "Parking without a booking"),
      walkIn,
      h("h3", {}, "List a space you own"),
      claimPayout,
      list,
    );
  },
};
