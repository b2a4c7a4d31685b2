// Audit: the ledger of `cloudless audit replay` for a deployment or a provider, as tables and
// its plot (the replay's of the whole market before a subject is chosen), folded by the console
// server from the node's logs.
import { units } from '../chain'
import { form, h, say, section, table } from '../dom'
import { ledger } from '../market'
import type { Page } from './page'

export const audit: Page = ({ chain }, root) => {
  const view = h('div')
  let subject = ''
  const pick = form(
    'audit',
    'Ledger of a deployment or a provider',
    [{ name: 'subject', label: 'deployment id or provider address' }],
    'Show',
    async (v, status) => {
      subject = v.subject.trim().toLowerCase()
      await refresh()
      say(status, 'ok', `the ledger of ${subject}`)
    },
  )
  const plot = h('img', { class: 'plot' })
  /** Shows the plot of the deployments `query` picks (`deployment=N`, `provider=0x…`, or all). */
  const draw = (query: string, whose: string) => {
    plot.alt = `balance and pay per epoch of ${whose} (ledger.svg)`
    plot.src = `/api/ledger.svg?${query}${query ? '&' : ''}at=${Date.now()}`
  }
  root.append(pick, view, section('Plot', plot))

  const refresh = async () => {
    const book = await ledger()
    const deployment = book.deployments[subject]
    const provider = Object.entries(book.providers).find(([address]) => address.toLowerCase() === subject)
    if (deployment) {
      draw(`deployment=${subject}`, `deployment ${subject}`)
      const money = ['deposit', 'funded', 'withdrawn', 'keeper_fees', 'paid', 'fee', 'balance'] as const
      view.replaceChildren(
        section(`Deployment ${subject}`, table(['', 'amount'], money.map((k) => [k, units(chain, deployment[k])]))),
        section(
          'Per epoch',
          table(
            ['epoch', 'proofs', 'paid', 'fee', 'misses', 'owed', 'balance'],
            Object.entries(deployment.epochs).map(([epoch, e]) => [
              epoch,
              String(e.proofs),
              units(chain, e.paid),
              units(chain, e.fee),
              String(e.misses),
              units(chain, e.owed),
              units(chain, e.balance),
            ]),
          ),
        ),
      )
    } else if (provider) {
      const [address, p] = provider
      draw(`provider=${address}`, `the deployments ${address} served`)
      const money = ['earned', 'claimed', 'slashed', 'staked'] as const
      view.replaceChildren(
        section(
          `Provider ${address}`,
          table(['', 'value'], [
            ['placements', String(p.placements)],
            ...money.map((k) => [k, units(chain, p[k])]),
            ['disputes', String(p.disputes)],
            ['frauds', String(p.frauds)],
          ]),
        ),
        section(
          'Placements',
          table(
            ['placement', 'deployment', 'instances', 'epochs proven', 'paid', 'ended'],
            Object.entries(book.placements)
              .filter(([, row]) => row.provider.toLowerCase() === subject)
              .map(([id, row]) => [id, String(row.deployment), String(row.instances), String(Object.keys(row.proven).length), units(chain, row.paid), row.ended ?? '—']),
          ),
        ),
      )
    } else {
      draw('', 'every deployment')
      view.replaceChildren(h('p', { class: 'empty' }, subject ? `no deployment or provider ${subject} in the ledger` : 'pick a deployment or a provider'))
    }
  }
  return refresh
}
