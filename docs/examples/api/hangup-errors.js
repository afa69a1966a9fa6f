// @ts-check
// How commands fail. Every rejection is an Error with `name` and `code`;
// a hang-up is a HangupError whose `cause` is the hang-up cause.

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  ctx.on('hangup', (cause) => console.log('call ended', cause));
  await ctx.answer();
  try {
    await ctx.execute('system', 'rm -rf /'); // not on the allow-list
  } catch (err) {
    const e = /** @type {callforge.CallforgeError} */ (err);
    console.warn('refused', e.name, e.code, e.message); // PermissionError EPERM ...
  }
  try {
    await ctx.play('user/goodbye.wav');
  } catch (err) {
    const e = /** @type {callforge.CallforgeError} */ (err);
    if (e.code === 'EHANGUP') {
      console.log('caller left first:', /** @type {callforge.HangupError} */ (e).cause);
      return;
    }
    throw err;
  }
  const cause = await ctx.hangup('NORMAL_CLEARING').then(() => ctx.waitForHangup());
  console.log('done', cause, ctx.up);
}
