// What users type, parsed; a bad value is a named error before anything is sent.

/** A write refused before anything is sent; `reason` names why (the status's `data-error`). */
export class Refused extends Error {
  constructor(
    readonly reason: 'BadInput' | 'WrongChain',
    message: string,
  ) {
    super(message)
  }
}

/** A whole number typed into `field`. */
export function whole(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw new Refused('BadInput', `${field}: "${text}" is not a whole number`)
  return Number(text.trim())
}

/** A region list (`0,3`) as a `regionMask`: bit r accepts region r. */
export function regionMask(text: string): bigint {
  return text
    .split(',')
    .map((r) => whole(r, 'regions'))
    .reduce((mask, r) => mask | (1n << BigInt(r)), 0n)
}
