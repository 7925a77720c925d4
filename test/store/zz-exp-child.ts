process.setgid(65534);
process.setuid(65534);
const { cli } = await import('../helpers/cli.js');
console.log(JSON.stringify(await cli(process.argv.slice(2))));
