// Blocks a destination dialled more than three times within an hour.
const { incr } = require('cxKV');

async function main(data) {
  const n = await incr('attempts:' + data.routing.dest_number, 1, 3600);
  if (n > 3) {
    throw [603, 'Too Many Attempts'];
  }
  return data;
}
