// An App using the module allow-list: counts its runs in cxKV.
const { incr } = require('cxKV');

async function main(data) {
  const n = await incr('counter:' + (data.key || 'default'), 1);
  return { key: data.key || 'default', n };
}
