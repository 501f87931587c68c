import { z } from 'zod'

const DAYS_MESSAGE = 'days must be a whole number from 1 to 90'

/** `days`: the report's length, ending today (UTC); the one schema for the admin query and the CLI flag. */
export const reportDaysSchema = z.coerce.number({ error: DAYS_MESSAGE }).int(DAYS_MESSAGE).min(1, DAYS_MESSAGE).max(90, DAYS_MESSAGE).default(7)

/** `GET {prefix}/_/report?days=7`. */
export const reportQuerySchema = z.object({ days: reportDaysSchema })
