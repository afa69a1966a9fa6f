// long-prompt: scenario 3 of the real-switch suite. Plays a 20 s prompt that the caller hangs
// up in the middle of. The pending play rejects with a HangupError; the script logs a line the
// test looks for in callforge's log, and ends.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.set('e2e_step', 'prompt');
  try {
    await ctx.play('user/long-prompt.wav');
    await ctx.set('e2e_step', 'prompt-finished');
  } catch (err) {
    if (err.name !== 'HangupError') {
      throw err;
    }
    console.log('e2e-mid-prompt-hangup-caught cause=' + err.cause);
  }
}
