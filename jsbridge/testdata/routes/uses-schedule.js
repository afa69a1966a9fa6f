// Passes a route variable (data.schedule) and a global one (data.tier) on as headers.
function main(data) {
  const week = data.schedule ? data.schedule.week : 'none';
  for (const e of data.routing.egress_routing) {
    e.headers.push({ key: 'X-Week', value: week }, { key: 'X-Tier', value: data.tier });
  }
  return data;
}
