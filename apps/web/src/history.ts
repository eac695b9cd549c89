// The city's recent events, read from the chain's blocks: what the contracts keep no index
// of (a resident's mint receipts, transfers and devices) is found here. The scan covers at
// most the last `DEPTH` blocks (about 8 hours at 6 s) and then follows new ones; a city
// that needs more keeps an indexer (SubQuery, Subsquid) beside its node instead.
import type { Codec } from "@polkadot/types/types";
import { CONTRACTS, type City, type ContractName } from "./chain";

/** Blocks looked back at most. */
export const DEPTH = 5_000;
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
  private next = -1;
  private scanning: Promise<void> | undefined;

  constructor(private readonly city: City) {}

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
    const hash = await api.rpc.chain.getBlockHash(number);
    const records: any = await (await api.at(hash)).query.system.events();
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
