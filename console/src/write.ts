// Every write: simulated first (the result shown), then signed by the user's wallet, then
// awaited. A revert is decoded by name with the CLI's hint (the console server's /api/revert).
import { type Abi, type Address, BaseError, ContractFunctionRevertedError, type TransactionReceipt } from 'viem'
import { tokenAbi } from './abi'
import { type Chain, walletOnChain } from './chain'
import { Shown, say } from './dom'

/** A contract call to write. */
export interface Call {
  address: Address
  abi: Abi
  functionName: string
  args: unknown[]
}

/** A decoded revert, as `cloudless` prints it. */
export interface Reverted {
  name: string
  detail: string
  hint: string
}

/** The revert behind `error` decoded by the console server, or `null` when it carries no revert data. */
export async function decodeRevert(error: unknown, action: string): Promise<Reverted | null> {
  if (!(error instanceof BaseError)) return null
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  const raw = reverted instanceof ContractFunctionRevertedError ? reverted.raw : undefined
  if (!raw) return null
  const answer = await fetch('/api/revert', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action, data: raw }),
  })
  return answer.ok ? ((await answer.json()) as Reverted) : null
}

/** What a simulation of `call` from `account` gives: its result, or the revert decoded. */
export async function simulate(chain: Chain, account: Address, call: Call) {
  try {
    const simulated = await chain.reads.simulateContract({ ...call, account })
    return { ok: true as const, request: simulated.request, result: simulated.result as unknown }
  } catch (error) {
    const revert = await decodeRevert(error, call.functionName)
    const message = error instanceof BaseError ? error.shortMessage : String(error)
    return { ok: false as const, revert, message }
  }
}

/** Shows a failed simulation in `status` and throws [`Shown`]. */
export function refuse(status: HTMLElement, call: Call, failed: { revert: Reverted | null; message: string }): never {
  const { revert } = failed
  if (revert) {
    say(status, 'error', `${call.functionName} would revert with ${revert.name} ${revert.detail}`, `hint: ${revert.hint}`)
    status.dataset.error = revert.name
  } else {
    say(status, 'error', `${call.functionName}: ${failed.message}`)
  }
  throw new Shown()
}

/** Simulates `call` from the wallet's account, shows the result in `status`, asks the wallet to
 * sign, and waits for the receipt. Throws [`Refused`] when the wallet is on another chain, [`Shown`] (after showing why) when the call would
 * revert or the transaction failed. */
export async function send(chain: Chain, status: HTMLElement, call: Call): Promise<TransactionReceipt> {
  const { client, account } = await walletOnChain(chain)
  say(status, 'info', `simulating ${call.functionName}…`)
  const simulated = await simulate(chain, account, call)
  if (!simulated.ok) refuse(status, call, simulated)
  const result = simulated.result === undefined ? 'ok' : `returns ${String(simulated.result)}`
  say(status, 'info', `simulation of ${call.functionName}: ${result}`, 'confirm in your wallet…')
  const hash = await client.writeContract({ ...simulated.request, account, chain: null })
  say(status, 'info', `sent ${call.functionName}: ${hash}`, 'waiting for the block…')
  const receipt = await chain.reads.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') {
    say(status, 'error', `${call.functionName} reverted in block ${receipt.blockNumber}: ${hash}`)
    throw new Shown()
  }
  say(status, 'ok', `${call.functionName} (simulated: ${result}) mined in block ${receipt.blockNumber}`, hash)
  return receipt
}

/** Approves `spender` for `amount` of the token first when the wallet's allowance is short. */
export async function approveFor(chain: Chain, status: HTMLElement, spender: Address, amount: bigint): Promise<void> {
  const { account } = await walletOnChain(chain)
  const allowance = (await chain.reads.readContract({
    address: chain.token,
    abi: tokenAbi,
    functionName: 'allowance',
    args: [account, spender],
  })) as bigint
  if (allowance < amount) {
    await send(chain, status, { address: chain.token, abi: tokenAbi, functionName: 'approve', args: [spender, amount] })
  }
}
