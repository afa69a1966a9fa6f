const kv = require("kv");
function main() { return "unreachable"; }
