/**
 * Short aliases shared by the loader's modules (its size budget is the first design goal, STYLE.md).
 * `W` is `window` typed loosely: vendor globals (CMPs, Pinterest) are read through it and their shape
 * is described where they are used.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const W: any = window
export const D = document
export const assign = Object.assign
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const on = (type: string, f: (e: any) => unknown, target: EventTarget = W): void => target.addEventListener(type, f)
