// @ts-check
// Business hours with a time zone: open Monday-Friday 08:30-18:00 and
// Saturday 09:00-12:00, London time. The runtime has no time zone database
// (no Intl), so the UK rule is written out: UTC+1 from the last Sunday of
// March 01:00 UTC to the last Sunday of October 01:00 UTC, else UTC+0.

/** @type {Record<number, [number, number][]>} day (0 = Sunday) -> [from, to) in minutes */
const opening = {
  1: [[510, 1080]],
  2: [[510, 1080]],
  3: [[510, 1080]],
  4: [[510, 1080]],
  5: [[510, 1080]],
  6: [[540, 720]],
};

/** @param {number} year @param {number} month 0-based */
function lastSunday(year, month) {
  const last = new Date(Date.UTC(year, month + 1, 0)); // the month's last day
  return last.getUTCDate() - last.getUTCDay();
}

/** @param {Date} now @returns {Date} a Date whose UTC fields read London wall-clock time */
function londonTime(now) {
  const y = now.getUTCFullYear();
  const summerStart = Date.UTC(y, 2, lastSunday(y, 2), 1);
  const summerEnd = Date.UTC(y, 9, lastSunday(y, 9), 1);
  const t = now.getTime();
  const offsetHours = t >= summerStart && t < summerEnd ? 1 : 0;
  return new Date(t + offsetHours * 3600 * 1000);
}

/** @param {Date} now */
function isOpen(now) {
  const local = londonTime(now);
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  return (opening[local.getUTCDay()] || []).some(([from, to]) => minutes >= from && minutes < to);
}

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  // A channel variable can force a state, for testing and holidays.
  const forced = ctx.get('hours_override');
  const open = forced ? forced === 'open' : isOpen(new Date());
  await ctx.set('hours_open', open ? 'yes' : 'no');
  await ctx.answer();
  if (open) {
    await ctx.transfer('reception');
    return;
  }
  await ctx.play('user/closed.wav');
  await ctx.play('user/opening-hours.wav');
}
