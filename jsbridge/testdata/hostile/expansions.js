// ${api(...)} expansions in any argument: refused with EPERM.
async function main(data, ctx) {
  await ctx.answer();
  const tries = [
    ['play', () => ctx.play('${system(touch /tmp/x)}')],
    ['play', () => ctx.play('user/${system(id)}.wav')],
    ['tts', () => ctx.tts('hello ${system(id)}')],
    ['say', () => ctx.say('${system(id)}')],
    ['set', () => ctx.set('greeting', '${system(id)}')],
    ['set', () => ctx.set('greeting', '$${system(id)}')],
    ['set', () => ctx.set('greeting', '${${tool}(id)}')],
    ['set', () => ctx.set('greeting', 'x ${lua(\nx.lua)}')],
    ['header', () => ctx.header('X-A', '${system(id)}')],
    ['execute', () => ctx.execute('playback', '${lua(x.lua)}')],
    ['api', () => ctx.api('uuid_getvar ' + ctx.uuid + ' ${system(id)}')],
    ['bridge', () => ctx.bridge('{x=${system(id)}}user/1')],
  ];
  for (const [what, fn] of tries) {
    try {
      await fn();
      console.log(what + ':RAN');
    } catch (e) {
      console.log(what + ':' + e.code);
    }
  }
}
