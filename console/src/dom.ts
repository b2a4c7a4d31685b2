// A few DOM helpers: elements, tables and forms, without a framework.
import { Refused } from './input'

type Child = Node | string | null | undefined

/** `<tag attrs>children</tag>`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value)
  for (const child of children) if (child != null) element.append(child)
  return element
}

/** A titled section. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children)
}

/** A table that scrolls sideways on a narrow screen; `empty` when there are no rows. */
export function table(headers: string[], rows: Child[][], empty = 'none yet'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty)
  const head = h('tr', {}, ...headers.map((title) => h('th', {}, title)))
  const body = rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell))))
  return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, head), h('tbody', {}, ...body)))
}

/** One input of a form. */
export interface Field {
  name: string
  label: string
  value?: string
  placeholder?: string
  /** A text area rather than one line. */
  multiline?: boolean
}

/** A form of `fields` whose button calls `submit` with the values by name; the returned
 * status element shows what happened. */
export function form(
  id: string,
  title: string,
  fields: Field[],
  button: string,
  submit: (values: Record<string, string>, status: HTMLElement) => Promise<void>,
): HTMLElement {
  const status = h('div', { class: 'status', 'data-status': id })
  const inputs = fields.map((f) => {
    const attrs = { name: f.name, placeholder: f.placeholder ?? '', 'data-field': `${id}.${f.name}` }
    const input = f.multiline ? h('textarea', { ...attrs, rows: '3' }, f.value ?? '') : h('input', { ...attrs, value: f.value ?? '' })
    return h('label', {}, f.label, input)
  })
  const go = h('button', { type: 'submit', 'data-action': id }, button)
  const element = h('form', { 'data-form': id }, h('h3', {}, title), ...inputs, go, status)
  element.addEventListener('submit', async (event) => {
    event.preventDefault()
    const values = Object.fromEntries(new FormData(element).entries()) as Record<string, string>
    go.disabled = true
    status.className = 'status'
    delete status.dataset.error
    try {
      await submit(values, status)
    } catch (error) {
      if (error instanceof Shown) return
      say(status, 'error', error instanceof Error ? error.message : String(error))
      if (error instanceof Refused) status.dataset.error = error.reason
    } finally {
      go.disabled = false
    }
  })
  return element
}

/** Replaces what `status` says; `kind` is `info`, `ok` or `error`. */
export function say(status: HTMLElement, kind: 'info' | 'ok' | 'error', ...lines: Child[]): void {
  status.className = `status ${kind}`
  status.replaceChildren(...lines.map((line) => h('div', {}, line)))
}

/** A short form of an address or hash. */
export function short(hex: string): string {
  return hex.length > 12 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex
}

/** A failure already shown in its status element. */
export class Shown extends Error {
  constructor() {
    super('shown in its status')
  }
}
