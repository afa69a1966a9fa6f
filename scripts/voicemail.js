// Voicemail: greet, beep, record up to two minutes (# ends it), thank the caller.
// The recording's path and length are left in `vm_path` / `vm_seconds`.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/leave-message.wav');
  await ctx.play('tone_stream://%(500,0,800)');
  try {
    const msg = await ctx.recordMessage(`voicemail-${data.callerIdNumber || 'unknown'}-${data.uuid}.wav`, {
      maxSeconds: 120,
      silenceThreshold: 200,
      silenceSeconds: 5,
      terminators: '#',
    });
    await ctx.set('vm_path', msg.path);
    await ctx.set('vm_seconds', String(msg.seconds));
    await ctx.play('user/thank-you.wav');
  } catch (err) {
    if (err.name === 'HangupError') {
      console.log('caller hung up while recording', err.cause);
      return;
    }
    throw err;
  }
}
