// Run as `node dist/index.js`; `ms` is the one production dependency.
declare function require(name: string): unknown;

const ms = require("ms") as (value: string | number) => string | number;

console.log(`ms("2 days") = ${ms("2 days")}`);
console.log(`ms(90000) = ${ms(90000)}`);
