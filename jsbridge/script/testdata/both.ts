function main(): string { return "both.ts"; }
