// Who the app signs for. The polkadot.js browser extension when one is installed (the
// standard wallet of Substrate chains: keys never reach the page); on a development chain
// only, the well-known development keys (//Alice ... //Ferdie), which the tests use.
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import type { Account } from "./chain";

export const DEV_NAMES = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"] as const;

/** The development accounts (sr25519 `//Name`), as every Substrate dev chain funds them. */
export async function devAccounts(ss58Format: number): Promise<Account[]> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519", ss58Format });
  return DEV_NAMES.map((name) => {
    const pair = keyring.addFromUri(`//${name}`, { name });
    return { address: pair.address, name: `${name} (development key)`, pair };
  });
}

/** The extension's accounts, or none (no extension, or the resident said no). */
export async function extensionAccounts(appName: string): Promise<Account[]> {
  const { web3Enable, web3Accounts, web3FromAddress } = await import("@polkadot/extension-dapp");
  const extensions = await web3Enable(appName);
  if (extensions.length === 0) return [];
  const accounts = await web3Accounts();
  return Promise.all(
    accounts.map(async (account) => ({
      address: account.address,
      name: `${account.meta.name ?? "account"} (${account.meta.source})`,
      signer: (await web3FromAddress(account.address)).signer,
    })),
  );
}
