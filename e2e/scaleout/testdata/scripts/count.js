// count: every call increments the shared kv counter "calls", then plays a prompt
// (1 s in the simulator) and hangs up.
async function main(data, ctx) {
  await ctx.answer();
  await require('kv').incr('calls');
  await ctx.play('user/one-second.wav');
  await ctx.hangup();
}
