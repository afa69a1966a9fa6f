function main() { return "both.js"; }
