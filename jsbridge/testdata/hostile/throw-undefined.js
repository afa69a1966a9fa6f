// Synchronous main throwing undefined.
function main(data, ctx) {
  throw undefined;
}
