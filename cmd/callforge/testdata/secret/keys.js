module.exports = { key: 'outside the scripts directory' };
