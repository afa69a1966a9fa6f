const dnc = ['18005550100', '18005550199'];

async function main(data) {
  if (dnc.includes(data.routing.dest_number)) {
    return Promise.reject([604, 'Number on DNC List']);
  }
  return data;
}
