function main(): string { return "only_ts.ts"; }
