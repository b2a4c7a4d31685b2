// What users type, parsed; a bad value is a named error before anything is sent.

/** A whole number typed into `field`. */
export function whole(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`${field}: "${text}" is not a whole number`)
  return Number(text.trim())
}

/** A region list (`0,3`) as a `regionMask`: bit r accepts region r. */
export function regionMask(text: string): bigint {
  return text
    .split(',')
    .map((r) => whole(r, 'regions'))
    .reduce((mask, r) => mask | (1n << BigInt(r)), 0n)
}
