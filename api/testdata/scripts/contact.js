// A Form handler: data holds the form's fields.
function main(data) {
  if (!data.email) {
    throw new Error('400 email is required');
  }
  return { ok: true, email: data.email, topics: [].concat(data.topic || []) };
}
