package jsbridge_test

import "testing"

// TestGlobals checks the engine's globals, which are made on a script's first use
// of each (see globals.go), behave as ordinary globals, and that the timers, which
// run on the call's loop through reservations (timers.go), keep Node's semantics.
func TestGlobals(t *testing.T) {
	t.Parallel()
	tests := []outCase{
		{"made-on-first-read", `const names = ['console', 'process', 'require', 'setTimeout', 'setInterval', 'setImmediate',
				'clearTimeout', 'clearInterval', 'clearImmediate'];
			const own = () => names.filter((k) => Object.getOwnPropertyNames(globalThis).includes(k));
			const before = own(); void [console, setTimeout];
			await ctx.set('out', JSON.stringify([before, own()]));`,
			`[[],["console","setTimeout"]]`},
		{"typeof", `await ctx.set('out', JSON.stringify([typeof console, typeof console.log, typeof setTimeout,
			typeof setInterval, typeof setImmediate, typeof clearTimeout, typeof clearInterval, typeof clearImmediate,
			typeof require, typeof process, typeof globalThis.setTimeout, 'setTimeout' in globalThis]));`,
			`["object","function","function","function","function","function","function","function","function","object","function",true]`},
		{"same-object-each-read", `await ctx.set('out', JSON.stringify([console === globalThis.console, require('console') === console,
			setTimeout === setTimeout, process === process]));`,
			`[true,true,true,true]`},
		{"assign-before-read", `globalThis.setTimeout = 5; globalThis.console = {log: 1};
			await ctx.set('out', JSON.stringify([setTimeout, console.log]));`,
			`[5,1]`},
		{"delete-after-read", `const before = typeof console + typeof setInterval; delete globalThis.console; delete globalThis.setInterval;
			await ctx.set('out', JSON.stringify([before, typeof console, typeof setInterval, 'console' in globalThis]));`,
			`["objectfunction","undefined","undefined",false]`},
		{"process-after-object-replaced", `globalThis.Object = null;
			await ctx.set('out', JSON.stringify([typeof process, process.env.HOME === undefined]));`,
			`["object",true]`},
		{"not-enumerable", `void [console, setTimeout, require];
			await ctx.set('out', JSON.stringify(Object.keys(globalThis).filter(k => ['console', 'setTimeout', 'require'].includes(k))));`,
			`[]`},
		{"timers-order", `const log = [];
			let n = 0;
			setTimeout((a, b) => log.push('t' + a + b), 200, 1, 2);
			setImmediate((x) => log.push('i' + x), 'x');
			const iv = setInterval(() => { log.push('v'); if (++n === 3) clearInterval(iv); }, 0);
			const never = setTimeout(() => log.push('never'), 5);
			clearTimeout(never); clearTimeout(undefined); clearTimeout(null); clearTimeout(12345); clearInterval('x');
			const gone = setImmediate(() => log.push('gone')); clearImmediate(gone);
			await new Promise((r) => setTimeout(r, 300));
			await ctx.set('out', JSON.stringify([log, typeof iv, iv !== never]));`,
			`[["ix","v","v","v","t12"],"number",true]`},
		{"clear-inside-own-callback", `let n = 0;
			await new Promise((resolve) => { const t = setTimeout(() => { n++; clearTimeout(t); resolve(); }, 1); });
			await new Promise((r) => setTimeout(r, 30));
			await ctx.set('out', JSON.stringify([n]));`,
			`[1]`},
		{"bad-callback", `let e1 = {}; try { setTimeout('code', 1); } catch (e) { e1 = e; }
			await ctx.set('out', JSON.stringify([e1.name, e1.code, e1 instanceof TypeError || e1 instanceof Error]));`,
			`["TypeError","EINVAL",true]`},
		{"engine-errors", `let err = {};
			try { await ctx.sleep(-1); } catch (e) { err = e; }
			await ctx.set('out', JSON.stringify([err instanceof Error, Object.getPrototypeOf(err) === Error.prototype,
				err.name, err.code, typeof err.stack, err.message.startsWith('ctx.sleep')]));`,
			`[true,true,"TypeError","EINVAL","string",true]`},
		{"engine-errors-with-error-replaced", `globalThis.Error = function () { throw new RangeError('fake'); };
			let err = {};
			try { await ctx.sleep(-1); } catch (e) { err = e; }
			await ctx.set('out', JSON.stringify([err.name, err.code]));`,
			`["TypeError","EINVAL"]`},
		{"percent-in-message", `let err = {};
			try { await ctx.set('bad name %s %d', 'x'); } catch (e) { err = e; }
			await ctx.set('out', JSON.stringify([err.code, err.message.includes('%s %d')]));`,
			`["EINVAL",true]`},
	}
	checkOuts(t, startEngine(t, outScripts(tests)), tests)
}
