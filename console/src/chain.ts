// The chain as the page sees it: reads through the console server's JSON-RPC proxy, live heads
// over the node's WebSocket, writes through the user's injected wallet (EIP-1193).
import {
  type Address,
  type EIP1193Provider,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  custom,
  formatUnits,
  http,
  parseUnits,
  webSocket,
} from 'viem'
import { marketAbi, tokenAbi } from './abi'
import { Refused } from './input'

/** `deployments/<chain>.json`, as the console server passes it on. */
export interface Manifest {
  chain: string
  chain_id: number
  token: Address
  deploy_block: number | null
  genesis_time: number
  epoch_length: number
  market_params: Record<string, number | string>
  registry_params: Record<string, number | string>
  contracts: Record<string, { address: Address }>
}

/** What the page reads once at start. */
export interface Chain {
  manifest: Manifest
  market: Address
  registry: Address
  token: Address
  decimals: number
  symbol: string
  gateway: string | null
  reads: PublicClient
  live: PublicClient
}

declare global {
  interface Window {
    ethereum?: EIP1193Provider
  }
}

/** Loads `/config.json` and the token's decimals and symbol. */
export async function connect(): Promise<Chain> {
  const config = await (await fetch('/config.json')).json()
  const manifest: Manifest = config.manifest
  const reads = createPublicClient({ transport: http('/rpc'), pollingInterval: 250 }) as PublicClient
  const live = createPublicClient({ transport: webSocket(config.ws_url) }) as PublicClient
  const token = manifest.token
  const [decimals, symbol] = await Promise.all([
    reads.readContract({ address: token, abi: tokenAbi, functionName: 'decimals' }),
    reads.readContract({ address: token, abi: tokenAbi, functionName: 'symbol' }),
  ])
  return {
    manifest,
    market: manifest.contracts.market.address,
    registry: manifest.contracts.registry.address,
    token,
    decimals: Number(decimals),
    symbol: String(symbol),
    gateway: config.gateway ?? null,
    reads,
    live,
  }
}

/** The injected wallet's client and its first account; asks the wallet to connect. */
export async function wallet(): Promise<{ client: WalletClient; account: Address }> {
  if (!window.ethereum) throw new Error('no wallet: install an EIP-1193 wallet such as MetaMask')
  const client = createWalletClient({ transport: custom(window.ethereum) })
  const [account] = await client.requestAddresses()
  if (!account) throw new Error('the wallet shared no account')
  return { client, account }
}

/** Why the wallet's chain `walletChainId` is not the console's (writes are refused then), or
 * `null` when it is. */
export function wrongChain(chain: Chain, walletChainId: number): string | null {
  const { chain: name, chain_id: id } = chain.manifest
  if (walletChainId === id) return null
  return `WrongChain: the wallet is on chain ${walletChainId}, the console on ${name} (chain ${id}): switch networks in the wallet`
}

/** The wallet's client and account, refused with `WrongChain` unless it is on the console's
 * chain: every write goes through here. */
export async function walletOnChain(chain: Chain): Promise<{ client: WalletClient; account: Address }> {
  const connected = await wallet()
  const wrong = wrongChain(chain, await connected.client.getChainId())
  if (wrong) throw new Refused('WrongChain', wrong)
  return connected
}

/** `amount` base units in token units (`1.5 USDC`). */
export function units(chain: Chain, amount: bigint | string): string {
  return `${formatUnits(BigInt(amount), chain.decimals)} ${chain.symbol}`
}

/** Token units typed by the user in base units; a named error when not a number. */
export function baseUnits(chain: Chain, text: string, field: string): bigint {
  try {
    return parseUnits(text.trim(), chain.decimals)
  } catch {
    throw new Refused('BadInput', `${field}: "${text}" is not an amount of ${chain.symbol}`)
  }
}

/** A market view. */
export function readMarket<T>(chain: Chain, functionName: string, args: unknown[] = []): Promise<T> {
  return chain.reads.readContract({ address: chain.market, abi: marketAbi, functionName, args }) as Promise<T>
}
