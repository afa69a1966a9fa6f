// constructor.constructor from engine-made functions and objects reaches only
// the JS Function constructor, never Go.
async function main(data, ctx) {
  await ctx.answer();
  const viaCtx = ctx.play.constructor.constructor('return this')();
  const viaData = data.constructor.constructor('return typeof process.exit')();
  const viaErr = (await ctx.execute('system', 'x').catch((e) => e)).constructor.constructor('return this')();
  console.log('same-global:' + (viaCtx === globalThis && viaErr === globalThis) + ' exit:' + viaData);
  console.log('native:' + String(ctx.play).includes('native code'));
  viaCtx.require('child_process').execSync('id');
}
