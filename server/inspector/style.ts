/** The inspector's stylesheet: system fonts, a fixed-layout table, cards that wrap on narrow screens. */
export const INSPECTOR_CSS = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5ea;
  --ok: #17794a; --ok-bg: #e3f4ea; --info: #1f5fbf; --info-bg: #e5eefc; --warn: #8a5a00; --warn-bg: #fdf0d5;
  --bad: #b4232c; --bad-bg: #fce6e7; --mut-bg: #eef0f3; --accent: #e60023;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--ink); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.top { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--line); }
.top h1 { margin: 0; font-size: 16px; font-weight: 650; white-space: nowrap; }
.top h1 span { color: var(--accent); font-weight: 500; }
.status { color: var(--muted); white-space: nowrap; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-left: auto; }
.filters label { display: flex; gap: 6px; align-items: center; color: var(--muted); }
.filters input, .filters select, .filters button { font: inherit; color: var(--ink); padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.filters input { width: 220px; font-family: var(--mono); font-size: 12px; }
.filters button { cursor: pointer; }
.filters button:hover { background: var(--mut-bg); }
main { padding: 16px 20px 32px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin-bottom: 18px; }
.card { min-width: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card h2 { margin: 0 0 6px; font-size: 11px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
.big { font-size: 24px; font-weight: 650; line-height: 1.15; }
.sub { color: var(--muted); font-size: 12px; margin-top: 4px; }
.none { color: var(--muted); }
.pair { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; color: var(--muted); }
.pair b { font-size: 20px; color: var(--ink); font-weight: 650; }
.spark { display: block; width: 100%; height: 40px; margin-top: 4px; }
.spark-line { fill: none; stroke: var(--info); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.spark-area { fill: var(--info-bg); }
.bar-row { display: grid; grid-template-columns: 72px 1fr 38px; gap: 6px; align-items: center; margin: 3px 0; font-size: 12px; }
.bar-label { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bar { display: block; height: 8px; background: var(--mut-bg); border-radius: 4px; overflow: hidden; }
.bar-fill { display: block; height: 100%; background: var(--info); }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; }
.list { list-style: none; margin: 0; padding: 0; }
.list li { display: flex; justify-content: space-between; align-items: center; gap: 8px; padding: 2px 0; min-width: 0; }
.list li span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.table-head { display: flex; align-items: baseline; gap: 12px; margin: 0 0 8px; }
.table-head h2 { margin: 0; font-size: 14px; }
.table-wrap { overflow-x: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
table.events { width: 100%; min-width: 1080px; border-collapse: collapse; table-layout: fixed; }
.events th, .events td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.events th { position: sticky; top: 0; background: #fafbfc; font-size: 11px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
.events tbody tr:hover { background: #fafbfd; }
.c-time { width: 88px; white-space: nowrap; font-variant-numeric: tabular-nums; color: var(--muted); }
.c-event { width: 21%; }
.c-source { width: 92px; }
.c-ids { width: 19%; }
.c-pair { width: 96px; }
.name { font-weight: 600; }
.id { font-family: var(--mono); font-size: 11.5px; color: var(--muted); }
.dest .line { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin-bottom: 3px; }
.rule { font-family: var(--mono); font-size: 11px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.attempts { font-size: 11px; color: var(--muted); }
.detail { font-size: 11.5px; color: var(--bad); display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.stripped { font-size: 11.5px; color: var(--warn); }
.detail.note { color: var(--warn); }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 11.5px; line-height: 17px; white-space: nowrap; background: var(--mut-bg); color: var(--muted); }
.badge + .badge { margin-left: 4px; }
.c-source .badge, .c-pair .badge { margin: 0 4px 3px 0; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.info { background: var(--info-bg); color: var(--info); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.src { background: #f1ecfb; color: #5b3aa8; }
.key { display: inline-block; margin: 0 4px 3px 0; padding: 0 5px; border: 1px solid var(--line); border-radius: 4px; font-family: var(--mono); font-size: 11px; }
.empty { margin: 0; padding: 24px; text-align: center; color: var(--muted); }
.empty[hidden] { display: none; }
code { font-family: var(--mono); font-size: 12px; }
.report { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 18px; }
.report:empty { display: none; }
.report-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 12px; margin-bottom: 10px; }
.report-head h2 { margin: 0; font-size: 14px; }
.report-head select { margin-left: auto; font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-bottom: 12px; }
.stat-label { font-size: 11px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
.stat[data-metric="recovered"] .big { color: var(--ok); }
.report-body { display: grid; grid-template-columns: minmax(320px, 1.2fr) minmax(320px, 1fr); gap: 16px; align-items: start; }
@media (max-width: 900px) { .report-body { grid-template-columns: 1fr; } }
.report-chart { display: block; width: 100%; height: auto; }
.report-chart .grid { stroke: var(--line); stroke-width: 1; }
.report-chart .axis { fill: var(--muted); font-size: 10px; }
.seg.matched, .key-matched { fill: #9db8e6; background: #9db8e6; }
.seg.recovered, .key-recovered { fill: var(--ok); background: var(--ok); }
.seg.missed, .key-missed { fill: #e7b4b7; background: #e7b4b7; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin-top: 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.report-table { width: 100%; border-collapse: collapse; font-size: 12px; margin-bottom: 10px; }
.report-table th, .report-table td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
.report-table th { font-size: 11px; font-weight: 600; color: var(--muted); }
.report-table .num { text-align: right; font-variant-numeric: tabular-nums; }
`
