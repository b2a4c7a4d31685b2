// What the pages read from the chain: offers, deployments and placements by id, and the
// auditor's ledger from the console server.
import type { Address } from 'viem'
import { registryAbi } from './abi'
import { type Chain, readMarket } from './chain'

/** `IRegistry.Offer` with its id. */
export interface Offer {
  id: bigint
  provider: Address
  cpuMilli: number
  memMiB: number
  region: number
  tier: number
  pricePerInstanceEpoch: bigint
  capacity: number
  inUse: number
  status: number
}

/** `IMarket.DeploymentSpec` and `IMarket.DeploymentState` with the id. */
export interface Deployment {
  id: bigint
  spec: { program: Address; instances: number; maxPricePerInstanceEpoch: bigint; regionMask: bigint; minTier: number }
  state: { owner: Address; balance: bigint; rate: bigint; placed: number; endEpoch: bigint; status: number }
}

/** `IMarket.Placement` with its id. */
export interface Placement {
  id: bigint
  deploymentId: bigint
  offerId: bigint
  provider: Address
  instances: number
  price: bigint
  startEpoch: bigint
  lastProven: bigint
  endEpoch: bigint
  misses: bigint
  live: boolean
}

// The `sol!` enums' variants in order (JSON ABIs carry enums as uint8).
export const OFFER_STATUS = ['Open', 'Paused', 'Closed']
export const DEPLOYMENT_STATUS = ['Open', 'Active', 'Underfunded', 'Ending', 'Ended']

function ids(count: bigint): bigint[] {
  return Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1))
}

/** Every offer, by id. */
export async function offers(chain: Chain): Promise<Offer[]> {
  const read = (functionName: string, args: unknown[] = []) =>
    chain.reads.readContract({ address: chain.registry, abi: registryAbi, functionName, args })
  const count = (await read('offerCount')) as bigint
  return Promise.all(ids(count).map(async (id) => ({ id, ...((await read('offer', [id])) as Omit<Offer, 'id'>) })))
}

/** Every deployment, by id. */
export async function deployments(chain: Chain): Promise<Deployment[]> {
  const count = await readMarket<bigint>(chain, 'deploymentCount')
  return Promise.all(
    ids(count).map(async (id) => ({
      id,
      spec: await readMarket<Deployment['spec']>(chain, 'deploymentSpec', [id]),
      state: await readMarket<Deployment['state']>(chain, 'deploymentState', [id]),
    })),
  )
}

/** Every placement, by id. */
export async function placements(chain: Chain): Promise<Placement[]> {
  const count = await readMarket<bigint>(chain, 'placementCount')
  return Promise.all(
    ids(count).map(async (id) => ({ id, ...(await readMarket<Omit<Placement, 'id'>>(chain, 'placement', [id])) })),
  )
}

/** Per-epoch rows of a deployment in the ledger (`audit/src/ledger.rs`). */
export interface EpochRow {
  proofs: number
  paid: string
  fee: string
  misses: number
  owed: string
  balance: string
}

/** The ledger of `cloudless audit replay`, as the console server folds it from the node's logs. */
export interface Ledger {
  placements: Record<string, { deployment: number; provider: Address; instances: number; proven: Record<string, number>; paid: string; ended: string | null }>
  deployments: Record<string, { owner: Address; deposit: string; funded: string; withdrawn: string; keeper_fees: string; paid: string; fee: string; balance: string; epochs: Record<string, EpochRow> }>
  providers: Record<string, { placements: number; earned: string; claimed: string; slashed: string; staked: string; disputes: number; frauds: number }>
  disputes: { id: number; kind: string; placement: number; provider: Address; epoch: number | null; outcome: string; slashed: string }[]
}

/** `GET /api/ledger`. */
export async function ledger(): Promise<Ledger> {
  const answer = await fetch('/api/ledger')
  if (!answer.ok) throw new Error(`the ledger: ${(await answer.json()).error}`)
  return answer.json()
}
