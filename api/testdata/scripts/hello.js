// An App: JSON in, JSON out.
async function main(data) {
  return { hello: data.name || 'world' };
}
