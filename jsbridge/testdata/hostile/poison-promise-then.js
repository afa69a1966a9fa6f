// Promise.prototype.then replaced before main runs: the engine must still see
// when main really settles (here: it rejects, after a play).
Promise.prototype.then = function (onFulfilled) {
  if (typeof onFulfilled === 'function') onFulfilled('fake');
  return this;
};

async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('slow.wav');
  throw new Error('main rejects for real');
}
