function main(data) {
  data.routing.cli = '15550001111';
  for (const e of data.routing.egress_routing) {
    e.headers.push({ key: 'X-Customer-ID', value: data.routing.account_id === 'default' ? 'acme' : data.routing.account_id });
  }
  return data;
}
