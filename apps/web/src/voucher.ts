// QR vouchers, as the credit token and the Rust SDK (`smartcity_sdk::voucher`) define
// them. A voucher locks credits under a one-time secp256k1 key; its QR code carries
// `SCV1:<token hex>:<voucher id>:<one-time secret hex>` (upper case: QR codes' dense
// alphanumeric mode). The redeemer signs its own account with the secret, so a watcher of
// the transaction pool cannot redeem in its place; the signature binds the token's chain
// (its `chainBound::chainId`), so it cannot be replayed on another chain either.
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from "@polkadot/util";
import { blake2AsU8a, secp256k1PairFromSeed, secp256k1Sign } from "@polkadot/util-crypto";

const PREFIX = "SCV1";
/** The domain of a redemption signature (`interfaces::token::VOUCHER_DOMAIN`). */
export const VOUCHER_DOMAIN = stringToU8a("smartcity/voucher/v2");
// secp256k1's group order: a secret must be in [1, n)
const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface VoucherTicket {
  /** The token's account id, 32 bytes. */
  token: Uint8Array;
  voucherId: bigint;
  /** The one-time secret, 32 bytes. */
  secret: Uint8Array;
}

/** A fresh one-time key: the secret stays in the QR code, the public half goes on chain. */
export function oneTimeKey(): { secret: Uint8Array; publicKey: Uint8Array } {
  for (;;) {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const value = BigInt(u8aToHex(secret));
    if (value > 0n && value < ORDER) {
      return { secret, publicKey: secp256k1PairFromSeed(secret).publicKey };
    }
  }
}

/** The text a voucher's QR code carries. */
export function payload(ticket: VoucherTicket): string {
  const hex = (bytes: Uint8Array) => u8aToHex(bytes, -1, false).toUpperCase();
  return `${PREFIX}:${hex(ticket.token)}:${ticket.voucherId}:${hex(ticket.secret)}`;
}

/** Reads a scanned or pasted payload; a malformed part is named in the error. */
export function parsePayload(text: string): VoucherTicket {
  const parts = text.trim().split(":");
  if (parts.length !== 4) {
    throw new Error(`a voucher code has 4 parts separated by ':', this one has ${parts.length}`);
  }
  const [prefix, token, id, secret] = parts;
  if (prefix !== PREFIX) {
    throw new Error(`this is not a smart-city voucher (it starts with "${prefix}", not "${PREFIX}")`);
  }
  const bytes = (text: string, what: string) => {
    if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error(`the ${what} is not hex`);
    const value = hexToU8a(`0x${text}`);
    if (value.length !== 32) throw new Error(`the ${what} is not 32 bytes`);
    return value;
  };
  if (!/^\d+$/.test(id) || BigInt(id) >= 2n ** 64n) {
    throw new Error("the voucher number is not a number");
  }
  const secretBytes = bytes(secret, "secret");
  const value = BigInt(u8aToHex(secretBytes));
  if (value === 0n || value >= ORDER) throw new Error("the secret is not a secp256k1 secret key");
  return { token: bytes(token, "token address"), voucherId: BigInt(id), secret: secretBytes };
}

/** A token on its chain: the token's account id and the genesis hash it reports (`chainBound::chainId`). */
export interface TokenDeployment {
  token: Uint8Array;
  chain: Uint8Array;
}

/** `VOUCHER_DOMAIN ++ token ++ chain ++ SCALE(id) ++ redeemer`: what the one-time key signs. */
export function redemptionPreimage(at: TokenDeployment, voucherId: bigint, redeemer: Uint8Array): Uint8Array {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, voucherId, true);
  return u8aConcat(VOUCHER_DOMAIN, at.token, at.chain, id, redeemer);
}

/** blake2-256 of the preimage: the digest the contract recovers the one-time key from. */
export function redemptionDigest(at: TokenDeployment, voucherId: bigint, redeemer: Uint8Array): Uint8Array {
  return blake2AsU8a(redemptionPreimage(at, voucherId, redeemer), 256);
}

/**
 * The 65-byte recoverable signature (r ++ s ++ v) `redeem_voucher` of the ticket's token on
 * `chain` (the genesis hash the token reports) takes from `redeemer`.
 */
export function signRedemption(ticket: VoucherTicket, chain: Uint8Array, redeemer: Uint8Array): Uint8Array {
  const preimage = redemptionPreimage({ token: ticket.token, chain }, ticket.voucherId, redeemer);
  // secp256k1Sign hashes with blake2-256 first: it signs the redemption digest
  return secp256k1Sign(preimage, { secretKey: ticket.secret }, "blake2");
}
