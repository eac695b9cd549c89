// What a deployment is to the app: the city's five contracts, by the names the deployment
// manifest (`deployments/<network>.json`, written by `smartcity deploy`) gives them.

export const CONTRACTS = [
  "identity_registry",
  "credit_token",
  "energy_market",
  "parking_rental",
  "fare_pricing",
] as const;
export type ContractName = (typeof CONTRACTS)[number];

/** What the app reads of a deployment manifest. */
export interface Manifest {
  network: string;
  url?: string;
  genesis_hash: string;
  contracts: Record<ContractName, { address: string }>;
  accounts?: Record<string, string>;
}
