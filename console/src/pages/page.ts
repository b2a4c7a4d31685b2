// What every page is: forms built once, and a view rebuilt from the chain on every new block.
import type { Address } from 'viem'
import type { Chain } from '../chain'

/** The page's context: the chain and the connected account (`null` before connecting). */
export interface Context {
  chain: Chain
  account: () => Address | null
}

/** A page mounted into `root`; returns how to refresh its view. A page that wants a refresh
 * sooner than the next block dispatches a bubbling `refresh` event. */
export type Page = (context: Context, root: HTMLElement) => () => Promise<void>
