import type { Globals } from './globals'

/** Short aliases shared by the loader's modules (its size is the first design goal, docs/design.md "Loader size"). */
export const W = window as Window & Globals
export const D = document
export const assign = Object.assign
export const on = <E extends Event = CustomEvent>(type: string, f: (e: E) => unknown, target: EventTarget = W): void =>
  target.addEventListener(type, f as EventListener)
