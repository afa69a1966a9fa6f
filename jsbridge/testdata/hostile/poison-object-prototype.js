// Object.prototype poisoned: every object is a thenable, error fields are
// getters, toString throws.
Object.prototype.then = function (resolve) { resolve('hijacked'); };
Object.defineProperty(Object.prototype, 'code', { get() { return 'FAKE'; }, configurable: true });
Object.defineProperty(Object.prototype, 'name', { get() { return 'HangupError'; }, configurable: true });
Object.prototype.toString = function () { throw new Error('toString poisoned'); };

async function main(data, ctx) {
  try {
    await ctx.execute('system', 'id');
  } catch (e) {
    console.log('system:' + e.code);
  }
  await ctx.play('poisoned.wav');
  throw { reason: 'after poisoning' }; // its name reads 'HangupError' through the poisoned prototype
}
