// @ts-check
// DTMF without a prompt: ctx.waitFor watches the digits while other media
// plays, ctx.on('dtmf') sees each digit, ctx.stop() cuts the prompt short.

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  ctx.on('dtmf', (digit) => console.debug('digit', digit));
  // An extension is 3 or 4 digits then #; * cancels; 15 seconds at most.
  const entry = ctx.waitFor(/^\d{3,4}#$/, '*', 15);
  const prompt = ctx.play('user/enter-extension.wav');
  try {
    const digits = await entry;
    await ctx.stop(); // the caller knew the extension: stop the prompt
    await prompt;
    await ctx.bridge(digits.slice(0, -1));
  } catch (err) {
    const e = /** @type {callforge.CallforgeError} */ (err);
    if (e.name === 'HangupError') return;
    await prompt;
    await ctx.play(e.name === 'TimeoutError' ? 'user/too-slow.wav' : 'user/cancelled.wav');
  }
}
