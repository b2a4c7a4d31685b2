// Market: offers by region, tier and price; deployments; placements; proofs per epoch and
// disputes from the ledger.
import { type Chain, baseUnits, units } from '../chain'
import { h, section, short, table } from '../dom'
import { whole } from '../input'
import { DEPLOYMENT_STATUS, OFFER_STATUS, type Placement, deployments, ledger, offers, placements } from '../market'
import type { Page } from './page'

export const market: Page = ({ chain }, root) => {
  const filter = h(
    'div',
    { class: 'filters' },
    h('label', {}, 'region', h('input', { name: 'region', placeholder: 'any' })),
    h('label', {}, 'min tier', h('input', { name: 'tier', placeholder: '0' })),
    h('label', {}, `max price (${chain.symbol})`, h('input', { name: 'price', placeholder: 'any' })),
  )
  const view = h('div')
  root.append(filter, view)
  const text = (name: string) => (filter.querySelector(`[name=${name}]`) as HTMLInputElement).value.trim()
  const number = (name: string) => (text(name) === '' ? null : whole(text(name), name))
  filter.addEventListener('input', () => root.dispatchEvent(new Event('refresh', { bubbles: true })))

  const refresh = async () => {
    const [allOffers, allDeployments, allPlacements, book] = await Promise.all([
      offers(chain),
      deployments(chain),
      placements(chain),
      ledger(),
    ])
    const region = number('region')
    const tier = number('tier') ?? 0
    const price = text('price') === '' ? null : baseUnits(chain, text('price'), 'max price')
    const shown = allOffers
      .filter((o) => region === null || o.region === region)
      .filter((o) => o.tier >= tier)
      .filter((o) => price === null || o.pricePerInstanceEpoch <= price)
      .sort((a, b) => (a.pricePerInstanceEpoch < b.pricePerInstanceEpoch ? -1 : a.pricePerInstanceEpoch > b.pricePerInstanceEpoch ? 1 : 0))
    const proofs = Object.entries(book.placements).flatMap(([id, p]) =>
      Object.entries(p.proven).map(([epoch, count]) => [id, String(p.deployment), epoch, String(count)]),
    )
    view.replaceChildren(
      section(
        'Offers',
        table(
          ['offer', 'provider', 'region', 'tier', 'cpu', 'memory', 'price / instance-epoch', 'capacity', 'in use', 'status'],
          shown.map((o) => [
            String(o.id),
            short(o.provider),
            String(o.region),
            String(o.tier),
            `${o.cpuMilli} m`,
            `${o.memMiB} MiB`,
            units(chain, o.pricePerInstanceEpoch),
            String(o.capacity),
            String(o.inUse),
            OFFER_STATUS[o.status] ?? String(o.status),
          ]),
        ),
      ),
      section(
        'Deployments',
        table(
          ['deployment', 'owner', 'placed', 'max price', 'balance', 'rate / epoch', 'status'],
          allDeployments.map((d) => [
            String(d.id),
            short(d.state.owner),
            `${d.state.placed} / ${d.spec.instances}`,
            units(chain, d.spec.maxPricePerInstanceEpoch),
            units(chain, d.state.balance),
            units(chain, d.state.rate),
            DEPLOYMENT_STATUS[d.state.status] ?? String(d.state.status),
          ]),
        ),
      ),
      section('Placements', placementTable(chain, allPlacements)),
      section('Proofs per epoch', table(['placement', 'deployment', 'epoch', 'receipts'], proofs)),
      section(
        'Disputes',
        table(
          ['dispute', 'kind', 'placement', 'provider', 'epoch', 'outcome', 'slashed'],
          book.disputes.map((d) => [
            String(d.id),
            d.kind,
            String(d.placement),
            short(d.provider),
            d.epoch === null ? '—' : String(d.epoch),
            d.outcome,
            units(chain, d.slashed),
          ]),
        ),
      ),
    )
  }
  return refresh
}

/** Placements as a table (shared by the Market, Developer and Provider pages). */
export function placementTable(chain: Chain, rows: Placement[]): HTMLElement {
  return table(
    ['placement', 'deployment', 'offer', 'provider', 'instances', 'price', 'start', 'last proven', 'live'],
    rows.map((p) => [
      String(p.id),
      String(p.deploymentId),
      String(p.offerId),
      short(p.provider),
      String(p.instances),
      units(chain, p.price),
      String(p.startEpoch),
      p.lastProven < p.startEpoch ? '—' : String(p.lastProven),
      p.live ? 'yes' : 'ended',
    ]),
  )
}
