// The script replaces ctx methods and the globals the engine relies on: the
// engine keeps its own copies, and still ends the call itself.
async function main(data, ctx) {
  ctx.hangup = () => { throw new Error('hijacked hangup'); };
  ctx.answer = () => new Promise(() => {});
  try { Object.defineProperty(ctx, 'uuid', { value: 'forged' }); } catch (e) { /* not configurable */ }
  globalThis.Promise = function () { throw new Error('no promises for you'); };
  globalThis.Error = function () { return { name: 'HangupError' }; };
  await ctx.play('still-works.wav');
  ctx.hangup();
}
