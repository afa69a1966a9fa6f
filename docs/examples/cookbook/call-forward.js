// @ts-check
// Call forward with fallback: ring the targets of the channel variable
// `forward_to` ("1001,1002,sofia/gateway/mobile/447700900123") one after the
// other, 20 seconds each; a busy or unanswered target moves on to the next.
// When none answers, the caller may leave a message.

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  const targets = (ctx.get('forward_to') || '1001,1002')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  await ctx.answer();
  for (const target of targets) {
    const r = await ctx.bridge(target, true, 20);
    console.log('forward attempt', { target, status: r.status, cause: r.cause });
    if (r.status === 'success') {
      await ctx.set('forward_result', `answered:${target}`);
      return;
    }
    if (r.cause === 'CALL_REJECTED') break; // the callee declined: do not try the others
  }
  await ctx.set('forward_result', 'voicemail');
  await ctx.play('user/nobody-available.wav');
  const msg = await ctx.recordMessage(`forward-${data.uuid}.wav`, { maxSeconds: 60, silenceSeconds: 4 });
  console.log('message left', msg);
}
