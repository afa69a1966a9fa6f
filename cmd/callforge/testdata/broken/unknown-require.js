// Requires a module that is neither built in nor vendored, and a file that
// does not exist. The built-in, vendored and relative requires are fine.
const kv = require('kv');
const pad = require('leftpad');
const helpers = require('./lib/helpers');
const format = require('phone-format');
const missing = require('./lib/missing');

async function main(data, ctx) {
  await ctx.answer();
}
