function main(data) {
  if (data.routing.dest_number.startsWith('900')) {
    throw new Error('603 Destination Blocked');
  }
  return data;
}
