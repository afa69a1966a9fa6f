// Package script loads operator voice scripts from one scripts directory,
// compiles them for goja, keeps them current, and checks them.
//
// It owns:
//
//   - the snapshot: Open compiles every .js/.ts file of the tree (dot
//     directories and node_modules excepted) in parallel into an immutable
//     snapshot {name -> compiled script or error}; Get is a lookup in it.
//     Reload rescans, recompiles what changed (by content hash) and swaps the
//     next snapshot in one atomic step; a script that no longer compiles keeps
//     its last good version. Calls keep the *Script they got;
//   - hot reload: Watch follows the tree with fsnotify (recursively,
//     debounced, so a `git pull` is one reload);
//   - name resolution: turning the `voice_script` channel variable ("ivr",
//     "sub/menu", "menu.ts") into a script of the tree, refusing anything that
//     would leave the directory;
//   - compilation: plain JavaScript is compiled by goja as written; ES module
//     syntax and TypeScript are first turned into CommonJS by esbuild, with a
//     source map so errors and stack traces name the original file:line;
//   - vendored npm packages (bundle.go): a script requiring a bare module
//     name that is not built in is bundled with esbuild from node_modules of
//     the scripts directory only; packages needing host modules (fs, net,
//     child_process, os...) do not compile; a reload rebuilds the script when
//     a bundled file changed;
//   - the entry point: running a compiled script's top level in a call's
//     runtime and returning its main function (classic `function main`,
//     CommonJS `module.exports`, or ES module `export`);
//   - static checks (Check): compile errors and `require`/`import` targets
//     that cannot be resolved, for `callforge check`.
//
// It does not create runtimes, bind ctx, or implement require: the jsbridge
// package does that and hands its require function to Script.Entry.
package script
