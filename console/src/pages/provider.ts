// Provider: register (node URL), stake and unstake, offers (create, update, pause, close),
// placements, pending and claimable earnings, claim; disputes against it.
import { marketAbi, registryAbi } from '../abi'
import { baseUnits, readMarket, units } from '../chain'
import { form, h, section, table } from '../dom'
import { whole } from '../input'
import { OFFER_STATUS, ledger, offers, placements } from '../market'
import { approveFor, send } from '../write'
import { placementTable } from './market'
import type { Page } from './page'

export const provider: Page = ({ chain, account }, root) => {
  const registry = { address: chain.registry, abi: registryAbi }
  const write = (functionName: string, args: unknown[], status: HTMLElement) =>
    send(chain, status, { ...registry, functionName, args })
  const forms = h(
    'div',
    { class: 'forms' },
    form('register', 'Register', [{ name: 'url', label: 'node URL', placeholder: 'https://…' }], 'Register', (v, s) =>
      write('registerProvider', [v.url.trim()], s).then(() => {}),
    ),
    form('stake', 'Stake', [{ name: 'amount', label: `amount (${chain.symbol})` }], 'Stake', async (v, s) => {
      const amount = baseUnits(chain, v.amount, 'amount')
      await approveFor(chain, s, chain.registry, amount)
      await write('stake', [amount], s)
    }),
    form('unstake', 'Request unstake', [{ name: 'amount', label: `amount (${chain.symbol})` }], 'Unstake', (v, s) =>
      write('requestUnstake', [baseUnits(chain, v.amount, 'amount')], s).then(() => {}),
    ),
    form('withdraw-stake', 'Withdraw unbonded stake', [], 'Withdraw', (_, s) => write('withdrawStake', [], s).then(() => {})),
    form(
      'offer',
      'Create an offer',
      [
        { name: 'cpuMilli', label: 'CPU (milli-cores)', value: '1000' },
        { name: 'memMiB', label: 'memory (MiB)', value: '1024' },
        { name: 'region', label: 'region', value: '0' },
        { name: 'tier', label: 'tier', value: '0' },
        { name: 'price', label: `price / instance-epoch (${chain.symbol})`, value: '1' },
        { name: 'capacity', label: 'capacity (instances)', value: '4' },
      ],
      'Create',
      async (v, s) => {
        const args = [
          whole(v.cpuMilli, 'CPU'),
          whole(v.memMiB, 'memory'),
          whole(v.region, 'region'),
          whole(v.tier, 'tier'),
          chain.token,
          baseUnits(chain, v.price, 'price'),
          whole(v.capacity, 'capacity'),
        ]
        await write('createOffer', args, s)
      },
    ),
    form(
      'update-offer',
      'Update an offer',
      [
        { name: 'offer', label: 'offer' },
        { name: 'price', label: `price (${chain.symbol})` },
        { name: 'capacity', label: 'capacity' },
      ],
      'Update',
      async (v, s) => {
        const args = [BigInt(whole(v.offer, 'offer')), baseUnits(chain, v.price, 'price'), whole(v.capacity, 'capacity')]
        await write('updateOffer', args, s)
      },
    ),
    form(
      'pause-offer',
      'Pause or resume an offer',
      [
        { name: 'offer', label: 'offer' },
        { name: 'paused', label: 'paused (yes/no)', value: 'yes' },
      ],
      'Apply',
      async (v, s) => {
        const paused = v.paused.trim().toLowerCase()
        if (paused !== 'yes' && paused !== 'no') throw new Error(`paused: "${v.paused}" is neither yes nor no`)
        await write('setOfferPaused', [BigInt(whole(v.offer, 'offer')), paused === 'yes'], s)
      },
    ),
    form('close-offer', 'Close an offer', [{ name: 'offer', label: 'offer' }], 'Close', (v, s) =>
      write('closeOffer', [BigInt(whole(v.offer, 'offer'))], s).then(() => {}),
    ),
    form('claim', 'Claim earnings', [], 'Claim', (_, s) =>
      send(chain, s, { address: chain.market, abi: marketAbi, functionName: 'claim', args: [] }).then(() => {}),
    ),
  )
  const view = h('div')
  root.append(view, forms)

  return async () => {
    const me = account()
    if (!me) {
      view.replaceChildren(h('p', { class: 'empty' }, 'connect a wallet to see your offers and earnings'))
      return
    }
    const same = (a: string) => a.toLowerCase() === me.toLowerCase()
    const info = (await chain.reads.readContract({ ...registry, functionName: 'provider', args: [me] })) as {
      registered: boolean
      stake: bigint
      unbonding: bigint
      unlockEpoch: bigint
    }
    const [pending, claimable, allOffers, allPlacements, book] = await Promise.all([
      readMarket<bigint>(chain, 'pending', [me]),
      readMarket<bigint>(chain, 'claimable', [me]),
      offers(chain),
      placements(chain),
      ledger(),
    ])
    const standing = [
      ['registered', info.registered ? 'yes' : 'no'],
      ['stake', units(chain, info.stake)],
      ['unbonding', `${units(chain, info.unbonding)}${info.unbonding > 0n ? ` (from epoch ${info.unlockEpoch})` : ''}`],
      ['pending (held for disputes)', units(chain, pending)],
      ['claimable', units(chain, claimable)],
    ]
    view.replaceChildren(
      section('Your standing', h('dl', { 'data-view': 'standing' }, ...standing.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-key': k }, v)]))),
      section(
        'Your offers',
        table(
          ['offer', 'region', 'tier', 'price', 'capacity', 'in use', 'status'],
          allOffers
            .filter((o) => same(o.provider))
            .map((o) => [
              String(o.id),
              String(o.region),
              String(o.tier),
              units(chain, o.pricePerInstanceEpoch),
              String(o.capacity),
              String(o.inUse),
              OFFER_STATUS[o.status] ?? String(o.status),
            ]),
        ),
      ),
      section('Your placements', placementTable(chain, allPlacements.filter((p) => same(p.provider)))),
      section(
        'Disputes against you',
        table(
          ['dispute', 'kind', 'placement', 'epoch', 'outcome', 'slashed'],
          book.disputes
            .filter((d) => same(d.provider))
            .map((d) => [String(d.id), d.kind, String(d.placement), d.epoch === null ? '—' : String(d.epoch), d.outcome, units(chain, d.slashed)]),
        ),
      ),
    )
  }
}
