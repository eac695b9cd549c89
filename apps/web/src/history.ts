// The city's recent events, read from the chain's blocks: what the contracts keep no index
// of (a resident's mint receipts, transfers and devices) is found here. The scan covers the
// last `DEPTH` blocks, the state a node keeps by default (`--state-pruning 256`; an archive
// node keeps all, but a page load should not walk them), and then follows new ones; a
// block whose state the node has let go is passed over. A city whose residents look
// further back keeps an indexer (SubQuery, Subsquid) beside its node.
import type { ApiPromise } from "@polkadot/api";
import type { ContractPromise } from "@polkadot/api-contract";
import type { Codec } from "@polkadot/types/types";
import { CONTRACTS, type ContractName, type Manifest } from "./deployment";

/** What the scan reads with: the node, the contracts' handles, the deployment. */
export interface Source {
  api: ApiPromise;
  contracts: Record<ContractName, ContractPromise>;
  manifest: Manifest;
}

/** Blocks looked back at most. */
export const DEPTH = 250;
/** Blocks fetched at once. */
const PARALLEL = 16;

export interface CityEvent {
  block: number;
  contract: ContractName;
  name: string;
  args: Record<string, Codec>;
}

export class History {
  readonly events: CityEvent[] = [];
  /** Blocks in range whose events the node no longer keeps. */
  passedOver = 0;
  private next = -1;
  private scanning: Promise<void> | undefined;

  constructor(private readonly city: Source) {}

  /**
   * The events known now, without waiting: starts reading the blocks not read yet and calls
   * `onNew` when that found more (a page draws itself again). `complete` is false until the
   * first scan has finished.
   */
  snapshot(onNew: () => void): { events: CityEvent[]; complete: boolean } {
    const before = this.events.length;
    if (!this.scanning) {
      void this.catchUp()
        .then(() => {
          if (this.events.length > before) onNew();
        })
        .catch(() => {}); // the next draw tries again
    }
    return { events: this.events, complete: this.next >= 0 };
  }

  /** Reads the blocks not read yet (one scan at a time); returns every event known. */
  async catchUp(): Promise<CityEvent[]> {
    this.scanning ??= this.scan().finally(() => (this.scanning = undefined));
    await this.scanning;
    return this.events;
  }

  private async scan() {
    const { api } = this.city;
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    let from = this.next < 0 ? Math.max(0, head - DEPTH) : this.next;
    while (from <= head) {
      const numbers = Array.from({ length: Math.min(PARALLEL, head - from + 1) }, (_, i) => from + i);
      const blocks = await Promise.all(numbers.map((n) => this.eventsOf(n)));
      blocks.forEach((events) => this.events.push(...events));
      from += numbers.length;
    }
    this.next = head + 1;
  }

  private async eventsOf(number: number): Promise<CityEvent[]> {
    const { api, contracts, manifest } = this.city;
    let records: any;
    try {
      const hash = await api.rpc.chain.getBlockHash(number);
      // one storage read a block (`api.at` would also ask for each block's runtime version)
      records = await api.query.system.events.at(hash);
    } catch {
      this.passedOver += 1; // pruned: "State already discarded"
      return [];
    }
    const found: CityEvent[] = [];
    for (const record of records) {
      if (!api.events.contracts.ContractEmitted.is(record.event)) continue;
      const address = record.event.data[0].toString();
      const contract = CONTRACTS.find((name) => manifest.contracts[name].address === address);
      if (!contract) continue;
      try {
        const decoded = contracts[contract].abi.decodeEvent(record);
        found.push({
          block: number,
          contract,
          name: decoded.event.identifier.split("::").pop() ?? decoded.event.identifier,
          args: Object.fromEntries(decoded.event.args.map((arg, i) => [arg.name, decoded.args[i]])),
        });
      } catch {
        // an event of a contract version this app's metadata does not describe
      }
    }
    return found;
  }
}
