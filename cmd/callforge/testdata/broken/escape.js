// Requires files outside the scripts directory.
const secret = require('../secret/keys');
import config from '/etc/callforge/config.js';

export async function main(data, ctx) {
  await ctx.answer();
}
