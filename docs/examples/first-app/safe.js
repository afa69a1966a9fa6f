// @ts-check
// Step 3: the caller may hang up at any moment. Every pending command then
// rejects with a HangupError; catch it to do clean-up work that needs no
// channel (logs, kv, http).
const kv = require('kv');

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  try {
    await ctx.answer();
    await ctx.play('user/long-announcement.wav');
    await kv.incr('announcement:completed');
  } catch (err) {
    const e = /** @type {callforge.CallforgeError} */ (err);
    if (e.name !== 'HangupError') throw err; // a real failure: the engine logs it with file:line
    await kv.incr('announcement:abandoned');
    console.log('caller left during the announcement', /** @type {callforge.HangupError} */ (e).cause);
  }
}
