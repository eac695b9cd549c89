// Paying a contract from an allowance (the market's `buy`, the rental's `book`, the fare
// contract's `book_ticket`): the call is dry-run first, so a refusal of its own (an offer
// with too little left, a space taken) is told before anything is signed; only when the
// allowance alone is short does the resident raise it, by exactly what is missing, then
// make the call.
import { SendError, type Account, type City, type ContractName, type Progress } from "./chain";
import { explain } from "./errors";
import { big } from "./pages/page";
import { credits } from "./format";

export interface Call {
  contract: ContractName;
  message: string;
  args: unknown[];
}

/** `call`, once `spender` may take `cost` of `account`'s credits (see above). */
export async function payingFromAllowance(
  city: City,
  account: Account,
  spender: string,
  cost: bigint,
  call: Call,
  step: (label: string) => (p: Progress) => void,
): Promise<Call> {
  const me = account.address;
  const dry = await city.query(call.contract, call.message, me, ...call.args);
  if (dry.ok) return call;
  if (!dry.path.includes("InsufficientAllowance")) throw new SendError(dry.error);
  const balance = big(await city.read("credit_token", "psp22::balanceOf", me, me));
  if (balance < cost) throw new SendError(explain(["PSP22", "InsufficientBalance"]));
  const allowance = big(await city.read("credit_token", "psp22::allowance", me, me, spender));
  await city.send(
    account,
    "credit_token",
    "psp22::increaseAllowance",
    [spender, cost - allowance],
    step(`Step 1 of 2, allowing ${credits(cost)} SCP to be taken`),
  );
  return call;
}
