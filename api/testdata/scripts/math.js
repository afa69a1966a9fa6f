// A driver with module.exports and a synchronous function.
module.exports = {
  add: ({ a, b }) => a + b,
};
