function main(data) {
  data.routing.egress_routing[0].headers.push({ key: 'X-Evil', value: 'a,origination_uuid=x' });
  return data;
}
