// The city on a node: the deployment manifest (`deployments/<network>.json`, written by
// `smartcity deploy`), the contracts' metadata (`artifacts/<name>/<name>.json`), and one
// way to read (`query`) and one way to send (`send`) for every page. Messages are encoded
// and results decoded by @polkadot/api-contract from the metadata; no SCALE is written
// by hand here.
import { ApiPromise, WsProvider } from "@polkadot/api";
import { ContractPromise } from "@polkadot/api-contract";
import type { ContractSubmittableResult } from "@polkadot/api-contract/base/Contract";
import type { Signer } from "@polkadot/api/types";
import type { KeyringPair } from "@polkadot/keyring/types";
import type { Codec } from "@polkadot/types/types";
import type { WeightV2 } from "@polkadot/types/interfaces";
import { CONTRACTS, type ContractName, type Manifest } from "./deployment";
import { explain } from "./errors";
import { History } from "./history";

export { CONTRACTS, type ContractName, type Manifest } from "./deployment";

/** Who signs: a development key on a dev chain, or an account of a browser extension. */
export interface Account {
  address: string;
  name: string;
  pair?: KeyringPair;
  signer?: Signer;
}

/** A message's outcome: its value, or the contract's named refusal in words. */
export type Outcome<T = Codec> = { ok: true; value: T } | { ok: false; error: string; path: string[] };

/** Where an extrinsic is: what the page shows while it is in flight. */
export type Progress =
  | { stage: "estimating" }
  | { stage: "signing"; fee: bigint; deposit: bigint }
  | { stage: "ready" | "in block" | "finalized"; block?: string }
  | { stage: "failed"; error: string };

export class SendError extends Error {}

/** A contract event the extrinsic emitted: `VoucherCreated { voucher_id, ... }`. */
export interface ContractEvent {
  name: string;
  args: Record<string, Codec>;
}

/** What a sent extrinsic did. */
export interface Sent<T = Codec> {
  /** The dry run's value (an id the contract returns, say). */
  value: T;
  block: string;
  events: ContractEvent[];
}

/** The names a refusal carries, outermost first: `Token(PSP22(InsufficientBalance))`. */
function variantPath(value: Codec): string[] {
  const names: string[] = [];
  let current: any = value;
  // an enum codec names its variant in `type` and holds the variant's value in `value`
  const isEnum = (codec: any) => codec && typeof codec.type === "string" && typeof codec.index === "number";
  while (isEnum(current)) {
    names.push(current.type);
    current = current.value;
  }
  return names.length ? names : [value.toString()];
}

/**
 * A message's raw output (`Result<Result<T, Error>, LangError>`, or `Result<T, LangError>`)
 * as an [`Outcome`].
 */
export function outcomeOf(output: Codec | null): Outcome {
  const lang: any = output;
  if (!lang) return { ok: false, error: "The node gave no answer.", path: ["NoOutput"] };
  if (lang.isErr) {
    const path = variantPath(lang.asErr);
    return { ok: false, error: explain(path), path };
  }
  const inner: any = lang.asOk;
  if (inner && typeof inner.isErr === "boolean" && "asErr" in inner) {
    if (inner.isErr) {
      const path = variantPath(inner.asErr);
      return { ok: false, error: explain(path), path };
    }
    return { ok: true, value: inner.asOk };
  }
  return { ok: true, value: inner };
}

/**
 * Asked before every signature with the fee and the storage deposit the extrinsic will
 * cost; `false` sends nothing. The app shows them and waits for the resident's word.
 */
export type ConfirmFee = (fee: bigint, deposit: bigint, what: string) => Promise<boolean>;

export class City {
  /** See [`ConfirmFee`]; the default (scripts, tests of this module) signs at once. */
  confirmFee: ConfirmFee = async () => true;
  private listeners = new Set<() => void>();
  /** The city's recent events, scanned from the blocks on first use. */
  readonly history: History = new History(this);
  private constructor(
    readonly api: ApiPromise,
    readonly manifest: Manifest,
    readonly contracts: Record<ContractName, ContractPromise>,
    readonly devChain: boolean,
  ) {}

  /**
   * Loads the deployment from `base` (`chain/` beside the app) and connects to `url`, or
   * else to the node the deployment names.
   */
  static async connect(url: string | null, base = "chain/"): Promise<City> {
    const manifest: Manifest = await fetchJson(`${base}deployment.json`);
    url = url ?? manifest.url ?? "ws://127.0.0.1:9944";
    const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
    const genesis = api.genesisHash.toHex();
    if (genesis !== manifest.genesis_hash) {
      await api.disconnect();
      throw new Error(
        `the node at ${url} is not the chain this deployment was made on (genesis ${genesis}, ` +
          `the manifest says ${manifest.genesis_hash}): run scripts/web.sh again to deploy there`,
      );
    }
    const contracts = {} as Record<ContractName, ContractPromise>;
    for (const name of CONTRACTS) {
      const abi = await fetchJson(`${base}abi/${name}.json`);
      contracts[name] = new ContractPromise(api, abi, manifest.contracts[name].address);
    }
    const chainType = await api.rpc.system.chainType();
    const city = new City(api, manifest, contracts, chainType.isDevelopment || chainType.isLocal);
    city.watchEvents();
    return city;
  }

  /** The native token: its symbol and decimals, for fees. */
  get native(): { symbol: string; decimals: number } {
    return {
      symbol: this.api.registry.chainTokens[0] ?? "UNIT",
      decimals: this.api.registry.chainDecimals[0] ?? 12,
    };
  }

  /** Calls `fn` after every block in which one of the city's contracts emitted an event. */
  onCityEvent(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private watchEvents() {
    const ours = new Set(CONTRACTS.map((name) => this.manifest.contracts[name].address));
    let first = true;
    void this.api.query.system.events((records: any) => {
      // the first answer is the block already there when the app connected
      if (first) {
        first = false;
        return;
      }
      const touched = records.some(
        ({ event }: any) =>
          this.api.events.contracts.ContractEmitted.is(event) && ours.has(event.data[0].toString()),
      );
      if (touched) this.listeners.forEach((fn) => fn());
    });
  }

  private dryRunWeight(): WeightV2 {
    const weights: any = this.api.consts.system.blockWeights;
    const max = weights.perClass.normal.maxExtrinsic.unwrap();
    return this.api.registry.createType("WeightV2", max) as unknown as WeightV2;
  }

  /** A dry run of `message` as `caller`: its outcome, and what the node measured. */
  private async dryRun(contract: ContractName, message: string, caller: string, args: unknown[]) {
    const query = this.contracts[contract].query[message];
    if (!query) throw new Error(`${contract} has no message ${message}`);
    const dry = await query(caller, { gasLimit: this.dryRunWeight(), storageDepositLimit: null }, ...args);
    const outcome = dry.result.isErr ? this.dispatchFailure(dry.result.asErr) : outcomeOf(dry.output);
    return { outcome, gasRequired: dry.gasRequired, storageDeposit: dry.storageDeposit };
  }

  /** Reads `message` of `contract` as `caller` (a dry run: nothing is signed or paid). */
  async query<T = Codec>(contract: ContractName, message: string, caller: string, ...args: unknown[]): Promise<Outcome<T>> {
    return (await this.dryRun(contract, message, caller, args)).outcome as Outcome<T>;
  }

  /** Like `query`, but a refusal is thrown: for reads that cannot be refused. */
  async read<T = Codec>(contract: ContractName, message: string, caller: string, ...args: unknown[]): Promise<T> {
    const outcome = await this.query<T>(contract, message, caller, ...args);
    if (!outcome.ok) throw new SendError(outcome.error);
    return outcome.value;
  }

  private dispatchFailure(error: any): Outcome<never> {
    if (error.isModule) {
      const { section, name, docs } = this.api.registry.findMetaError(error.asModule);
      const path = [section, name];
      return { ok: false, error: `${docs.join(" ") || name} (${path.join(" › ")})`, path };
    }
    return { ok: false, error: error.toString(), path: [error.type ?? "DispatchError"] };
  }

  /**
   * Sends `message` of `contract` from `account`: a dry run first (a refusal is thrown in
   * words before anything is signed), then the fee shown (`progress`), then signed and
   * followed until it is in a block (`finalized` too when `waitFinalized`). Returns the
   * dry run's value, the block's hash and the contract events the extrinsic emitted.
   */
  async send<T = Codec>(
    account: Account,
    contract: ContractName,
    message: string,
    args: unknown[],
    progress: (p: Progress) => void = () => {},
    waitFinalized = false,
  ): Promise<Sent<T>> {
    progress({ stage: "estimating" });
    const dry = await this.dryRun(contract, message, account.address, args);
    const outcome = dry.outcome;
    if (!outcome.ok) {
      progress({ stage: "failed", error: outcome.error });
      throw new SendError(outcome.error);
    }
    // a margin over the dry run: the state may move between the dry run and the block
    const gas = dry.gasRequired;
    const gasLimit = this.api.registry.createType("WeightV2", {
      refTime: (gas.refTime.toBigInt() * 12n) / 10n,
      proofSize: (gas.proofSize.toBigInt() * 12n) / 10n,
    }) as unknown as WeightV2;
    const deposit = dry.storageDeposit.isCharge ? dry.storageDeposit.asCharge.toBigInt() : 0n;
    const tx = this.contracts[contract].tx[message]({ gasLimit, storageDepositLimit: deposit > 0n ? deposit : null }, ...args);
    const info = await tx.paymentInfo(account.address);
    const fee = info.partialFee.toBigInt();
    progress({ stage: "signing", fee, deposit });
    if (!(await this.confirmFee(fee, deposit, `${contract}.${message}`))) {
      const error = "You did not sign: nothing was sent.";
      progress({ stage: "failed", error });
      throw new SendError(error);
    }
    return new Promise((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      const fail = (error: string) => {
        unsubscribe?.();
        progress({ stage: "failed", error });
        reject(new SendError(error));
      };
      const onStatus = (result: ContractSubmittableResult) => {
        const { status } = result;
        if (result.dispatchError) {
          const failure = this.dispatchFailure(result.dispatchError);
          return fail(failure.ok ? "failed" : failure.error);
        }
        if (status.isReady) progress({ stage: "ready" });
        const done = (stage: "in block" | "finalized", block: string) => {
          progress({ stage, block });
          if (stage === "finalized" || !waitFinalized) {
            unsubscribe?.();
            const events = (result.contractEvents ?? []).map((decoded) => ({
              name: decoded.event.identifier.split("::").pop() ?? decoded.event.identifier,
              args: Object.fromEntries(decoded.event.args.map((arg, i) => [arg.name, decoded.args[i]])),
            }));
            resolve({ value: (outcome as { value: unknown }).value as T, block, events });
          }
        };
        if (status.isInBlock) done("in block", status.asInBlock.toHex());
        if (status.isFinalized) done("finalized", status.asFinalized.toHex());
        if (status.isDropped || status.isInvalid || status.isUsurped) fail(`the node dropped the transaction (${status.type})`);
      };
      const sent = account.pair
        ? tx.signAndSend(account.pair, onStatus)
        : tx.signAndSend(account.address, { signer: account.signer }, onStatus);
      sent.then((u) => (unsubscribe = u)).catch((e: Error) => fail(e.message.includes("Cancelled") ? "You cancelled the signature." : e.message));
    });
  }
}

async function fetchJson(path: string): Promise<any> {
  const response = await fetch(path);
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${response.statusText} (scripts/web.sh puts it there)`);
  }
  return response.json();
}
