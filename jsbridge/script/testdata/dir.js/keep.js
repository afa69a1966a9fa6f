function main() { return "keep"; }
