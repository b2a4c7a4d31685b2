// The console's shell: navigation between the pages, the wallet button, the live head.
import type { Address } from 'viem'
import { connect, wallet, wrongChain } from './chain'
import { h } from './dom'
import { audit } from './pages/audit'
import { developer } from './pages/developer'
import { market } from './pages/market'
import type { Page } from './pages/page'
import { provider } from './pages/provider'
import './style.css'

const PAGES: Record<string, [string, Page]> = {
  market: ['Market', market],
  developer: ['Developer', developer],
  provider: ['Provider', provider],
  audit: ['Audit', audit],
}

async function start(): Promise<void> {
  const chain = await connect()
  let account: Address | null = null
  const head = h('span', { class: 'head', 'data-view': 'head' }, '')
  const connectButton = h('button', { 'data-action': 'connect' }, 'Connect wallet')
  const nav = h('nav', {}, ...Object.entries(PAGES).map(([id, [title]]) => h('a', { href: `#${id}`, 'data-page': id }, title)))
  const main = h('main')
  const problem = h('div', { class: 'status error', hidden: '' })
  const chainWarning = h('div', { class: 'status error', 'data-view': 'chain-warning', 'data-error': 'WrongChain', hidden: '' })
  document.body.replaceChildren(
    h('header', {}, h('strong', {}, 'Cloudless'), h('span', { class: 'chain' }, chain.manifest.chain), head, connectButton),
    nav,
    chainWarning,
    problem,
    main,
  )

  let refresh: () => Promise<void> = async () => {}
  // One refresh at a time; a block that arrives during one asks for another after it.
  let refreshing = false
  let again = false
  const update = async () => {
    if (refreshing) {
      again = true
      return
    }
    refreshing = true
    do {
      again = false
      try {
        await refresh()
        problem.hidden = true
      } catch (error) {
        problem.hidden = false
        problem.textContent = `reading the chain failed: ${error instanceof Error ? error.message : String(error)}`
      }
    } while (again)
    refreshing = false
  }
  const show = () => {
    const id = location.hash.slice(1) in PAGES ? location.hash.slice(1) : 'market'
    for (const link of nav.querySelectorAll('a')) link.classList.toggle('here', link.dataset.page === id)
    const root = h('div', { 'data-page-root': id })
    main.replaceChildren(root)
    refresh = PAGES[id][1]({ chain, account: () => account }, root)
    void update()
  }
  // The wallet's account and chain as it reports them (EIP-1193 `accountsChanged`, `chainChanged`).
  const useAccount = (next: Address | null) => {
    account = next
    connectButton.textContent = next ? `${next.slice(0, 6)}…${next.slice(-4)}` : 'Connect wallet'
    if (next) connectButton.dataset.account = next
    else delete connectButton.dataset.account
    void update()
  }
  const useChain = (walletChainId: number) => {
    const wrong = wrongChain(chain, walletChainId)
    chainWarning.hidden = wrong === null
    chainWarning.textContent = wrong ?? ''
  }
  window.ethereum?.on('accountsChanged', (accounts) => {
    if (account !== null) useAccount(accounts[0] ?? null)
  })
  window.ethereum?.on('chainChanged', (id) => useChain(Number(id)))
  connectButton.addEventListener('click', async () => {
    try {
      const { client, account } = await wallet()
      useChain(await client.getChainId())
      useAccount(account)
    } catch (error) {
      problem.hidden = false
      problem.textContent = error instanceof Error ? error.message : String(error)
    }
  })
  main.addEventListener('refresh', () => void update())
  window.addEventListener('hashchange', show)
  const onBlock = (block: bigint) => {
    head.textContent = `block ${block}`
    void update()
  }
  // A WebSocket subscription reports new heads only: the current one is read once.
  void chain.reads.getBlockNumber().then((block) => (head.textContent = `block ${block}`))
  chain.live.watchBlockNumber({ onBlockNumber: onBlock })
  show()
}

start().catch((error) => {
  document.body.textContent = `the console could not start: ${error instanceof Error ? error.message : String(error)}`
})
