// A script exercising what the test API drives: kv, http, digits, bridge, time.
const kv = require('kv');
const http = require('http');

function greeting(name) {
  return 'hello ' + name;
}

async function main(data, ctx) {
  await ctx.answer();
  const visits = await kv.incr('visits:' + data.callerIdNumber);
  await ctx.set('visits', String(visits));
  if (ctx.get('want_lookup') === 'yes') {
    const res = await http.get('https://crm.example.com/lookup?n=' + data.callerIdNumber);
    await ctx.set('crm_name', res.json().name);
  }
  await ctx.play('user/welcome.wav');
  const r = await ctx.ivr('user/menu.wav', 3, 1, 2, '#');
  console.log('pressed', r.status, r.value);
  if (r.value === '9') {
    const b = await ctx.bridge('2000', true, 20);
    await ctx.set('bridge_status', b.status + ':' + b.cause);
  }
  await ctx.sleep(3000);
  await ctx.play('user/bye.wav');
}

module.exports = { main, greeting };
