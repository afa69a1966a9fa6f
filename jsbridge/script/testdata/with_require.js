const kv = require("kv");
module.exports = { main: (data, ctx) => "with-require:" + kv.name + ":" + __filename + ":" + __dirname };
