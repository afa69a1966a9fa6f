// @cron */15 * * * *
// App: keeps the do-not-call list in the kv store. Runs every 15 minutes, and on
// request: POST /v1/apps/dnc-sync {"add": ["18005550100"]} or
// `callforge run dnc-sync --data '{"add": ["18005550100"]}'`.

const { ko } = require('cxKV');

/**
 * @param {any} data {add?: string[], remove?: string[]}; scheduled runs get {scheduled: true, ...}
 */
async function main(data) {
  /** @type {string[]} */
  const list = (await ko.get('dnc')) || [];
  const set = new Set(list);
  for (const n of data.add || []) set.add(String(n));
  for (const n of data.remove || []) set.delete(String(n));
  const out = [...set].sort();
  await ko.set('dnc', out);
  return { count: out.length, scheduled: Boolean(data.scheduled) };
}
