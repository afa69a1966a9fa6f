// Call forward with a fallback: ring the number in `forward_to` (or extension 1001)
// for 20 seconds; if that fails, try `fallback_to` (or 1002); if both fail, play a
// message and take the caller to voicemail.
export async function main(data, ctx) {
  await ctx.answer();
  const targets = [ctx.get('forward_to') || '1001', ctx.get('fallback_to') || '1002'];
  for (const target of targets) {
    const r = await ctx.bridge(target, true, 20);
    console.log('bridge', target, r.status, r.cause);
    if (r.status === 'success') {
      await ctx.set('forward_result', `answered:${target}`);
      return;
    }
  }
  await ctx.set('forward_result', 'voicemail');
  await ctx.play('user/nobody-available.wav');
  const msg = await ctx.recordMessage(`vm-${data.uuid}.wav`, { maxSeconds: 60, silenceSeconds: 3 });
  console.log('voicemail left', msg);
}
