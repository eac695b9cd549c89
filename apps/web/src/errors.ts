// A contract's refusal in words a resident understands. The contracts name every refusal
// (`TokenError::VoucherExpired`, `PSP22Error::InsufficientBalance`, ...); the app shows
// the sentence below, or, for a name not listed, the name itself split into words, and
// always the name, for support.

const SENTENCES: Record<string, string> = {
  // credit token and PSP22
  InsufficientBalance: "You do not have that many credits.",
  InsufficientAllowance: "That account has not allowed this much to be taken from it.",
  ZeroAmount: "The amount must be more than zero.",
  Paused: "This service is paused by the city for now; nothing was changed. Try again later.",
  SenderNotAllowed: "Your account is not an active resident's, so it cannot send credits.",
  RecipientNotAllowed: "The recipient is not an active resident, so it cannot receive credits.",
  RecipientIsToken: "Credits cannot be sent to the token contract itself.",
  VoucherNotFound: "There is no voucher with that number on this token.",
  VoucherClosed: "This voucher was already redeemed or taken back.",
  VoucherExpired: "This voucher has expired.",
  VoucherNotExpired: "The voucher has not expired yet: only then can its creator take it back.",
  NotVoucherCreator: "Only the resident who made this voucher can take it back.",
  BadSignature: "The voucher code does not match this voucher (was it copied whole?).",
  InvalidVoucherKey: "The voucher's one-time key is not valid.",
  ExpiryInPast: "The expiry must be in the future.",
  ClaimExceedsRate: "That is more CO2e than these credits may stand for.",
  ReceiptNotFound: "One of those receipts does not exist.",
  NotReceiptOwner: "One of those receipts is not yours.",
  ReceiptInVoucher: "One of those receipts is already in a voucher.",
  ReceiptRetired: "One of those receipts was already retired.",
  ReceiptsExceedAmount: "Those receipts stand for more credits than you are using: leave one out.",
  InvalidPeriod: "The period must end after it starts.",
  // energy market
  NothingToClaim: "There is nothing to claim yet: no credits have accrued since your last claim.",
  OfferNotFound: "There is no such offer.",
  OfferClosed: "This offer is no longer open.",
  OfferExpired: "This offer has expired.",
  NotEnoughOnOffer: "The offer has less energy left than that.",
  InsufficientEnergy: "You have not exported that much energy to sell.",
  Debtor: "You owe the city credits: repay the debt first.",
  // parking and transit
  NoPayoutOwed: "Nothing is waiting to be paid to you.",
  NoSuccessor: "That account was never moved to a new key.",
  NotSuccessor: "Only the resident's new account can take this over.",
  NotTheirs: "That account does not hold this (or the booking is over).",
  NotAuthorized: "You have not allowed this operator to charge you that much: raise your limit first.",
  // registry
  CallerNotCitizen: "Your account is not registered as a resident.",
  CallerNotActive: "Your resident registration is not active.",
  CitizenNotFound: "No resident is registered under that account.",
  // every contract
  CouldNotReadInput: "The contract could not read the request (is the app built for this deployment?).",
};

/** "VoucherExpired" → "voucher expired". */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

/**
 * The sentence for a refusal named `path` (outermost first, e.g. ["PSP22",
 * "InsufficientBalance"] or ["Token", "Paused"]): the innermost name decides.
 */
export function explain(path: string[]): string {
  const name = path[path.length - 1] ?? "Unknown";
  const sentence = SENTENCES[name] ?? `The contract refused: ${words(name)}.`;
  return `${sentence} (${path.join(" › ")})`;
}
