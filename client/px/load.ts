import { assign, D } from '../env'

/** Whether a script whose URL contains `part` is in the page (the platform's, inserted by its base code or by us). */
export const hasScript = (part: string): unknown => D.querySelector(`script[src*="${part}"]`)

/** Insert a platform's script, async, as its base code does. */
export const addScript = (src: string): unknown => D.head.append(assign(D.createElement('script'), { src, async: true }))

/** The browser may run a platform's pixel under this decision (restricted: in its limited-data mode). */
export const allows = (action?: string): boolean => action == 'allow' || action == 'restricted'
