// How the app writes numbers and times for people. Credits are integers with the token's
// decimals (6 for SCP): 12_500_000 is "12.5 SCP".

/** `amount` (the token's smallest units) as a decimal number of credits: "12.5". */
export function credits(amount: bigint, decimals = 6): string {
  const negative = amount < 0n;
  const units = negative ? -amount : amount;
  const scale = 10n ** BigInt(decimals);
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction ? "." + fraction : ""}`;
}

/**
 * Reads a number of credits a person typed ("12.5", "1,000", "0.000001") as the token's
 * smallest units; throws a sentence for anything else.
 */
export function parseCredits(text: string, decimals = 6): bigint {
  const cleaned = text.trim().replace(/[,_ ]/g, "");
  const match = /^(\d+)(?:\.(\d+))?$/.exec(cleaned);
  if (!match) {
    throw new Error(`"${text}" is not an amount of credits (write it as 12.5)`);
  }
  const [, whole, fraction = ""] = match;
  if (fraction.length > decimals) {
    throw new Error(`credits have at most ${decimals} decimals; "${text}" has ${fraction.length}`);
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** Watt-hours as kWh for people: 5500 → "5.5 kWh"; under 1 kWh in Wh. */
export function energy(wh: bigint | number): string {
  const value = BigInt(wh);
  if (value < 1000n && value > -1000n) return `${value} Wh`;
  return `${credits(value, 3)} kWh`;
}

/** Grams of CO2e: 1500 → "1.5 kg CO2e". */
export function co2e(grams: bigint): string {
  return grams < 1000n ? `${grams} g CO2e` : `${credits(grams, 3)} kg CO2e`;
}

/** A chain time (Unix ms) in the reader's time zone, to the minute. */
export function time(ms: bigint | number): string {
  const date = new Date(Number(ms));
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A fee in the chain's native unit (12 decimals on a contracts node): "0.0123 UNIT". */
export function fee(planck: bigint, symbol: string, decimals: number): string {
  const text = credits(planck, decimals);
  const [whole, fraction = ""] = text.split(".");
  // four significant decimals are enough to decide whether to sign
  const shown = fraction ? `${whole}.${fraction.slice(0, Math.max(4, fraction.search(/[1-9]/) + 2))}` : whole;
  return `${shown} ${symbol}`;
}

/** An account shortened for a table: "5GrwvaEF…cNoHGKutQY". */
export function short(address: string): string {
  return address.length > 20 ? `${address.slice(0, 8)}…${address.slice(-10)}` : address;
}

/** A number people type for an id ("12" or "#12"); throws a sentence naming `what`. */
export function parseId(text: string, what: string): bigint {
  const cleaned = text.trim().replace(/^#/, "");
  if (!/^\d+$/.test(cleaned)) throw new Error(`Give the ${what}'s number (like 12).`);
  return BigInt(cleaned);
}
