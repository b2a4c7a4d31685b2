// The console walked in headless Chromium (playwright-core) by a provider and a developer whose
// wallet is an injected EIP-1193 provider signing with dev keys (viem's local accounts) against
// the dev node. Driven by cli/tests/console_browser.rs, which owns the processes: this script
// prints one JSON line per step and, where the harness must act (start the provider node), waits
// for "ok" on stdin. Env: CONSOLE_URL, RPC_URL, CHROMIUM, SHOTS, PROVIDER_KEY, DEVELOPER_KEY,
// PROVIDER_URL, FUNCTION, EPOCHS_TO_CLAIM.
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'
import { createPublicClient, createWalletClient, erc20Abi, formatUnits, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import marketAbi from '../../../contracts/abi/json/IMarket.json' with { type: 'json' }

const env = process.env
const TIMEOUT = 60_000
const node = createPublicClient({ transport: http(env.RPC_URL) })
const keys = { provider: env.PROVIDER_KEY, developer: env.DEVELOPER_KEY }
let signer = 'provider'
// A chain id the wallet claims instead of the node's (`null`: the node's).
let walletChainId = null
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]()

function report(step, detail = {}) {
  console.log(JSON.stringify({ step, ...detail }))
}

/** Reports `step` and waits for the harness's "ok". */
async function handOver(step) {
  report(step)
  const { value } = await stdin.next()
  if (value !== 'ok') throw new Error(`the harness answered ${value} to ${step}`)
}

/** The wallet: accounts and signing here, every other request to the node. */
async function wallet({ method, params }) {
  const account = privateKeyToAccount(keys[signer])
  switch (method) {
    case 'eth_requestAccounts':
    case 'eth_accounts':
      return [account.address]
    case 'eth_chainId':
      return walletChainId ?? node.request({ method, params })
    case 'eth_sendTransaction': {
      const [tx] = params
      const client = createWalletClient({ account, transport: http(env.RPC_URL) })
      return client.sendTransaction({
        to: tx.to,
        data: tx.data,
        value: tx.value ? BigInt(tx.value) : undefined,
        gas: tx.gas ? BigInt(tx.gas) : undefined,
        chain: null,
      })
    }
    default:
      return node.request({ method, params })
  }
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
page.setDefaultTimeout(TIMEOUT)
const pageErrors = []
page.on('pageerror', (error) => pageErrors.push(error.message))
await page.exposeFunction('devWallet', wallet)
await page.addInitScript(() => {
  const listeners = {}
  window.ethereum = {
    request: (args) => window.devWallet(args),
    on: (event, listener) => (listeners[event] ??= []).push(listener),
    removeListener: (event, listener) => (listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener)),
  }
  window.devWalletEmit = (event, value) => (listeners[event] ?? []).forEach((listener) => listener(value))
})

/** Switches the wallet to `who`'s key and tells the page, as a wallet does (`accountsChanged`). */
async function switchAccount(who) {
  signer = who
  await page.evaluate((address) => window.devWalletEmit('accountsChanged', [address]), privateKeyToAccount(keys[who]).address)
}

/** Has the wallet claim chain `id` (`null`: the node's) and tells the page (`chainChanged`). */
async function switchChain(id) {
  walletChainId = id
  const current = id ?? (await node.request({ method: 'eth_chainId' }))
  await page.evaluate((current) => window.devWalletEmit('chainChanged', current), current)
}

/** How many transactions `who` has sent. */
function sent(who) {
  return node.getTransactionCount({ address: privateKeyToAccount(keys[who]).address })
}

async function shot(name) {
  await page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true })
}

/** Loads `pageId` afresh (a new document: the wallet may have switched accounts) and connects. */
async function open(pageId) {
  await page.goto('about:blank')
  await page.goto(`${env.CONSOLE_URL}/#${pageId}`)
  await page.waitForSelector(`[data-page-root="${pageId}"]`)
  await page.click('[data-action="connect"]')
  await page.waitForSelector('[data-action="connect"][data-account]')
}

/** Fills and submits form `id`; returns its final status (`ok` or `error`, text, error name). */
async function submit(id, values = {}) {
  for (const [name, value] of Object.entries(values)) await page.fill(`[data-field="${id}.${name}"]`, value)
  await page.click(`[data-action="${id}"]`)
  await page.waitForFunction(
    (id) => !document.querySelector(`[data-action="${id}"]`).disabled,
    id,
  )
  return page.$eval(`[data-status="${id}"]`, (s) => ({
    ok: s.classList.contains('ok'),
    text: s.textContent,
    error: s.dataset.error ?? null,
  }))
}

async function mustSubmit(id, values) {
  const status = await submit(id, values)
  if (!status.ok) throw new Error(`${id} failed: ${status.text}`)
  report(id, { status: status.text })
}

/** Waits until the page shows `text` somewhere in section `title`. */
async function sectionShows(title, text) {
  await page.waitForFunction(
    ([title, text]) =>
      [...document.querySelectorAll('section')].some(
        (s) => s.querySelector('h2')?.textContent === title && s.textContent.includes(text),
      ),
    [title, text],
    { timeout: TIMEOUT },
  )
}

async function advanceEpoch(config) {
  await node.request({ method: 'evm_increaseTime', params: [config.manifest.epoch_length] })
  await node.request({ method: 'evm_mine', params: [] })
}

/** Moves one epoch on and waits until the provider node has proven the one that ended, as a
 * live provider would before anyone may evict it. */
async function advanceProven(config) {
  await advanceEpoch(config)
  const market = { address: config.manifest.contracts.market.address, abi: marketAbi }
  const current = await node.readContract({ ...market, functionName: 'currentEpoch' })
  const deadline = Date.now() + TIMEOUT
  for (;;) {
    const placement = await node.readContract({ ...market, functionName: 'placement', args: [1n] })
    if (placement.lastProven >= current - 1n) return
    if (Date.now() > deadline) throw new Error(`epoch ${current - 1n} was never proven`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

try {
  const config = await (await fetch(`${env.CONSOLE_URL}/config.json`)).json()
  const decimals = await node.readContract({ address: config.manifest.token, abi: erc20Abi, functionName: 'decimals' })
  const minStake = formatUnits(BigInt(config.manifest.registry_params.min_stake), decimals)

  // A provider registers its node, stakes the minimum and offers 4 instances at 1 token.
  await open('market')
  await shot('market-empty')
  signer = 'provider'
  await open('provider')
  await mustSubmit('register', { url: env.PROVIDER_URL })
  await mustSubmit('stake', { amount: minStake })
  await mustSubmit('offer', { price: '1', capacity: '4', region: '0' })
  await sectionShows('Your offers', 'Open')
  await handOver('provider registered')

  // A developer: a deposit below the minimum is refused by name with the CLI's hint; then a
  // deployment the keeper matches.
  signer = 'developer'
  await open('developer')
  const form = { program: env.FUNCTION, instances: '1', maxPrice: '2', maxPerProvider: '1' }
  const refused = await submit('create', { ...form, deposit: '0.000001' })
  report('refused', refused)
  await shot('developer-refused')
  const before = await node.readContract({
    address: config.manifest.contracts.market.address,
    abi: marketAbi,
    functionName: 'deploymentCount',
  })
  const allowance = await node.readContract({
    address: config.manifest.token,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [privateKeyToAccount(keys.developer).address, config.manifest.contracts.market.address],
  })
  report('after the refusal', { deployments: Number(before), allowance: String(allowance) })
  await mustSubmit('create', { ...form, deposit: '1000' })
  await sectionShows('Their placements', 'yes')
  report('placed')
  await mustSubmit('topup', { deployment: '1', amount: '5' })

  // In the placement's first epoch a call through the gateway returns the response with its
  // verified receipt (retried until the provider node has seen the new epoch).
  await advanceEpoch(config)
  let called = await submit('call', { deployment: '1', request: 'name=Ada\n---\nHi {{name}}!' })
  for (let attempt = 0; !called.ok && attempt < 60; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    called = await submit('call', {})
  }
  if (!called.ok) throw new Error(`the call failed: ${called.text}`)
  report('call', { status: called.text })
  await shot('developer')

  // The epoch passes: the provider node proves it and the Market page shows the proof.
  await open('market')
  await advanceProven(config)
  await page.waitForFunction(() =>
    [...document.querySelectorAll('section')].some(
      (s) => s.querySelector('h2')?.textContent === 'Proofs per epoch' && s.querySelectorAll('tbody tr').length > 0,
    ),
  )
  report('proofs shown')
  await shot('market')

  // Past the dispute windows the pay is claimable. The Provider page, opened with the
  // developer's account, follows the wallet's switch to the provider's without a reconnect.
  for (let i = 0; i < Number(env.EPOCHS_TO_CLAIM); i++) await advanceProven(config)
  await open('provider')
  await page.waitForSelector('[data-key="registered"]')
  const asDeveloper = await page.textContent('[data-key="registered"]')
  await switchAccount('provider')
  await page.waitForFunction(() => document.querySelector('[data-key="registered"]')?.textContent === 'yes')
  report('account switched', {
    before: { registered: asDeveloper },
    account: await page.getAttribute('[data-action="connect"]', 'data-account'),
  })
  await page.waitForFunction(() => {
    const claimable = document.querySelector('[data-key="claimable"]')?.textContent ?? ''
    return claimable !== '' && !claimable.startsWith('0 ')
  })
  const claimable = await page.textContent('[data-key="claimable"]')
  await mustSubmit('claim')
  report('claimed', { claimable })
  await shot('provider')

  // Refused by name before anything is sent: a claim with nothing left to claim and an unstake
  // of more than is staked (reverts decoded from the simulation), an amount that is not a number.
  const nonceBeforeRefusals = await sent('provider')
  const refusals = {
    claimAgain: await submit('claim'),
    unstakeTooMuch: await submit('unstake', { amount: String(Number(minStake) * 1000) }),
    notANumber: await submit('stake', { amount: 'lots' }),
  }
  report('refusals', { ...refusals, sent: (await sent('provider')) - nonceBeforeRefusals })

  // A wallet on another chain: the page names it and refuses writes until it is back.
  const nonce = await sent('provider')
  await switchChain('0x1')
  await page.waitForSelector('[data-view="chain-warning"]:not([hidden])')
  const warning = await page.textContent('[data-view="chain-warning"]')
  const onWrongChain = await submit('update-offer', { offer: '1', price: '1.5', capacity: '3' })
  report('wrong chain', { warning, refused: onWrongChain, sent: (await sent('provider')) - nonce })
  await switchChain(null)
  await page.waitForSelector('[data-view="chain-warning"][hidden]', { state: 'attached' })

  // The provider reprices and pauses its offer (the live placement stays); the developer
  // withdraws a little and cancels.
  await mustSubmit('update-offer', { offer: '1', price: '1.5', capacity: '3' })
  await mustSubmit('pause-offer', { offer: '1', paused: 'yes' })
  await sectionShows('Your offers', 'Paused')
  signer = 'developer'
  await open('developer')
  await mustSubmit('withdraw', { deployment: '1', amount: '2' })
  await mustSubmit('cancel', { deployment: '1' })
  await sectionShows('Your deployments', 'Ending')

  // The auditor's view of the deployment, and the Market page at phone width.
  await open('audit')
  await mustSubmit('audit', { subject: '1' })
  await sectionShows('Per epoch', '1')
  await page.waitForFunction(() => {
    const plot = document.querySelector('img.plot')
    return plot?.src.includes('deployment=1') && plot.complete && plot.naturalWidth > 0
  })
  report('audit plot', { src: await page.getAttribute('img.plot', 'src') })
  await shot('audit')
  await page.setViewportSize({ width: 390, height: 844 })
  await open('market')
  await sectionShows('Placements', '0x')
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  report('phone', { overflow })
  await shot('market-phone')
  report('done', { pageErrors })
} catch (error) {
  await shot('failure').catch(() => {})
  report('failed', { error: String(error?.stack ?? error), pageErrors })
  process.exitCode = 1
} finally {
  await browser.close()
  stdin.return?.()
  process.stdin.destroy()
}
