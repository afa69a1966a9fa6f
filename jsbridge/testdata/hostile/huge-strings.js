// 10 MB strings given to every ctx method: each is refused (EINVAL), nothing is
// sent to FreeSWITCH, log lines stay small.
async function main(data, ctx) {
  await ctx.answer();
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  let big = 'x'.repeat(1024);
  while (big.length < 10 * 1024 * 1024) {
    big += big; // built a step per stretch of JS: the test runs under -race too
    await tick();
  }
  const tries = [
    ['play', () => ctx.play(big)],
    ['tts', () => ctx.tts(big)],
    ['say', () => ctx.say(big)],
    ['set-name', () => ctx.set(big, 'v')],
    ['set-value', () => ctx.set('v', big)],
    ['header', () => ctx.header('X-Big', big)],
    ['execute', () => ctx.execute('playback', big)],
    ['api', () => ctx.api('uuid_getvar ' + ctx.uuid + ' ' + big)],
    ['bridge', () => ctx.bridge(big)],
    ['transfer', () => ctx.transfer(big)],
    ['hangup', () => ctx.hangup(big)],
    ['ivr', () => ctx.ivr(big)],
    ['record', () => ctx.record(big)],
    ['conference', () => ctx.conference(big)],
  ];
  for (const [what, fn] of tries) {
    await tick(); // each try is its own stretch of JS, well within the CPU budget
    try {
      await fn();
      console.log(what + ':RAN');
    } catch (e) {
      console.log(what + ':' + e.code);
    }
  }
  await tick();
  ctx.get(big);
  console.log(big);
  await tick();
  ctx.log(big);
}
