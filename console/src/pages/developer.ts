// Developer: create a deployment (artifact checked, deposit approved), top up, withdraw, cancel;
// its placements, spend per epoch and runway; call the function through the gateway.
import { type Address, isAddress, keccak256 } from 'viem'
import { marketAbi } from '../abi'
import { type Chain, baseUnits, units, wallet } from '../chain'
import { form, h, say, section, table } from '../dom'
import { regionMask, whole } from '../input'
import { DEPLOYMENT_STATUS, deployments, ledger, placements } from '../market'
import { approveFor, refuse, send, simulate } from '../write'
import { placementTable } from './market'
import type { Page } from './page'

// A create that fails only for want of an allowance goes on: the approval comes first.
const ALLOWANCE_ERRORS = ['InsufficientAllowance', 'ERC20InsufficientAllowance']

/** The function's program and its code hash, checked to be a deployed program. */
async function artifact(chain: Chain, program: string): Promise<{ program: Address; artifact: `0x${string}` }> {
  if (!isAddress(program)) throw new Error(`function: "${program}" is not an address`)
  const code = await chain.reads.getCode({ address: program })
  if (!code || code === '0x') throw new Error(`function: no program at ${program}: deploy it with \`cloudless function deploy\``)
  return { program, artifact: keccak256(code) }
}

export const developer: Page = ({ chain, account }, root) => {
  const market = { address: chain.market, abi: marketAbi }
  const create = form(
    'create',
    'Create a deployment',
    [
      { name: 'program', label: 'function address', placeholder: '0x…' },
      { name: 'instances', label: 'instances', value: '1' },
      { name: 'minInstances', label: 'min instances (first match)', value: '1' },
      { name: 'cpuMilli', label: 'CPU (milli-cores)', value: '100' },
      { name: 'memMiB', label: 'memory (MiB)', value: '64' },
      { name: 'regions', label: 'regions (comma list)', value: '0' },
      { name: 'minTier', label: 'min tier', value: '0' },
      { name: 'maxPrice', label: `max price / instance-epoch (${chain.symbol})`, value: '2' },
      { name: 'maxPerProvider', label: 'max instances per provider', value: '1' },
      { name: 'duration', label: 'duration (epochs, 0 = open-ended)', value: '0' },
      { name: 'deposit', label: `deposit (${chain.symbol})`, value: '100' },
    ],
    'Create',
    async (v, status) => {
      const spec = {
        ...(await artifact(chain, v.program)),
        instances: whole(v.instances, 'instances'),
        minInstances: whole(v.minInstances, 'min instances'),
        cpuMilli: whole(v.cpuMilli, 'CPU'),
        memMiB: whole(v.memMiB, 'memory'),
        regionMask: regionMask(v.regions),
        minTier: whole(v.minTier, 'min tier'),
        token: chain.token,
        maxPricePerInstanceEpoch: baseUnits(chain, v.maxPrice, 'max price'),
        maxPerProvider: whole(v.maxPerProvider, 'max per provider'),
        durationEpochs: BigInt(whole(v.duration, 'duration')),
      }
      const deposit = baseUnits(chain, v.deposit, 'deposit')
      const call = { ...market, functionName: 'createDeployment', args: [spec, deposit] }
      // Refused for another reason than the allowance: say so before approving anything.
      const first = await simulate(chain, (await wallet()).account, call)
      if (!first.ok && !ALLOWANCE_ERRORS.includes(first.revert?.name ?? '')) refuse(status, call, first)
      await approveFor(chain, status, chain.market, deposit)
      await send(chain, status, call)
    },
  )
  const manage = (id: string, title: string, functionName: string, withAmount: boolean) =>
    form(
      id,
      title,
      [{ name: 'deployment', label: 'deployment' }, ...(withAmount ? [{ name: 'amount', label: `amount (${chain.symbol})` }] : [])],
      title,
      async (v, status) => {
        const deployment = BigInt(whole(v.deployment, 'deployment'))
        const args: unknown[] = [deployment]
        if (withAmount) {
          const amount = baseUnits(chain, v.amount, 'amount')
          if (functionName === 'topUp') await approveFor(chain, status, chain.market, amount)
          args.push(amount)
        }
        await send(chain, status, { ...market, functionName, args })
      },
    )
  const call = form(
    'call',
    'Call the function through the gateway',
    [
      { name: 'deployment', label: 'deployment' },
      { name: 'request', label: 'request (text)', multiline: true },
    ],
    'Call',
    async (v, status) => {
      if (!chain.gateway) throw new Error('no gateway: start the console with --gateway URL')
      const answer = await fetch(`${chain.gateway}/d/${whole(v.deployment, 'deployment')}`, { method: 'POST', body: v.request })
      const body = await answer.text()
      if (!answer.ok) throw new Error(`the gateway answered ${answer.status}: ${body}`)
      const header = (name: string) => answer.headers.get(name) ?? '—'
      say(
        status,
        'ok',
        `response: ${body}`,
        `receipt verified by the gateway, signed by ${header('Cloudless-Signer')} for placement ${header('Cloudless-Placement')}, epoch ${header('Cloudless-Epoch')}`,
      )
    },
  )
  const view = h('div')
  root.append(
    h('div', { class: 'forms' }, create, manage('topup', 'Top up', 'topUp', true), manage('withdraw', 'Withdraw', 'withdraw', true), manage('cancel', 'Cancel', 'cancel', false), call),
    view,
  )

  return async () => {
    const me = account()
    if (!me) {
      view.replaceChildren(h('p', { class: 'empty' }, 'connect a wallet to see your deployments'))
      return
    }
    const [all, allPlacements, book] = await Promise.all([deployments(chain), placements(chain), ledger()])
    const mine = all.filter((d) => d.state.owner.toLowerCase() === me.toLowerCase())
    const ids = new Set(mine.map((d) => d.id))
    const spend = mine.flatMap((d) =>
      Object.entries(book.deployments[String(d.id)]?.epochs ?? {}).map(([epoch, e]) => [
        String(d.id),
        epoch,
        String(e.proofs),
        units(chain, e.paid),
        units(chain, e.balance),
      ]),
    )
    view.replaceChildren(
      section(
        'Your deployments',
        table(
          ['deployment', 'placed', 'balance', 'rate / epoch', 'runway', 'status'],
          mine.map((d) => [
            String(d.id),
            `${d.state.placed} / ${d.spec.instances}`,
            units(chain, d.state.balance),
            units(chain, d.state.rate),
            d.state.rate === 0n ? '—' : `${d.state.balance / d.state.rate} epochs`,
            DEPLOYMENT_STATUS[d.state.status] ?? String(d.state.status),
          ]),
        ),
      ),
      section('Their placements', placementTable(chain, allPlacements.filter((p) => ids.has(p.deploymentId)))),
      section('Spend per epoch', table(['deployment', 'epoch', 'proofs', 'paid', 'balance after'], spend)),
    )
  }
}
