// Form handler: POST /v1/forms/contact-form with a urlencoded, multipart (fields
// only) or JSON body. data holds the fields; the return value is the response.

const tables = require('cxUserspace');

/**
 * @param {Record<string, string | string[]>} data
 */
async function main(data) {
  const email = String(data.email || '').trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
    return { ok: false, error: 'a valid email is required' };
  }
  const id = 'c' + Date.now().toString(36);
  await tables.create('contacts', id, { email, message: String(data.message || '') });
  return { ok: true, id };
}
