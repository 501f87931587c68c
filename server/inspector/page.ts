import { inspectorClient } from './client'
import { INSPECTOR_CSS } from './style'
import { reportPanelClient } from './report-client'

/** The inspector's script: the source of `inspectorClient`, then of the reconciliation panel's, each run once. */
export const INSPECTOR_JS = `"use strict";\n(${inspectorClient.toString()})();\n(${reportPanelClient.toString()})();\n`

/**
 * The inspector page: static markup with no data in it (the prefix is validated by config as
 * `/[A-Za-z0-9._~-]+…`); the script fills it from `{prefix}/_/inspect/data`.
 */
export function inspectorHtml(prefix: string): string {
  const base = `${prefix}/_/inspect`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>tagwarden inspector</title>
<link rel="stylesheet" href="${base}/app.css">
</head>
<body>
<header class="top">
  <h1>tagwarden <span>inspector</span></h1>
  <div id="mode"></div>
  <div id="status" class="status" aria-live="polite"></div>
  <form id="filters" class="filters" role="search">
    <label>event_id <input id="f-id" type="search" placeholder="contains…" autocomplete="off" spellcheck="false"></label>
    <label>name <select id="f-name"><option value="">all events</option></select></label>
    <button id="pause" type="button">Pause</button>
  </form>
</header>
<main>
  <div id="cards" class="cards"></div>
  <section id="report" class="report" aria-label="reconciliation report"></section>
  <div class="table-head"><h2>Recent events</h2><span id="count" class="sub"></span></div>
  <div class="table-wrap">
    <table class="events">
      <thead id="head"></thead>
      <tbody id="rows"></tbody>
    </table>
    <p id="empty" class="empty">No events yet. Send one from your storefront, <code>/demo/</code> or <code>POST /v1/events</code>.</p>
  </div>
</main>
<script src="${base}/app.js" defer></script>
</body>
</html>
`
}
