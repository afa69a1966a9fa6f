package script

import (
	"fmt"
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkGetCached measures Get of a loaded script: name checks and map
// lookups in the current snapshot, no file system access.
func BenchmarkGetCached(b *testing.B) {
	for _, name := range []string{"classic_sync", "typed.ts", "sub/menu.js"} {
		b.Run(name, func(b *testing.B) {
			s := openTestdata(b)
			if _, err := s.Get(name); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		s := openTestdata(b)
		if _, err := s.Get("classic_sync"); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Get("classic_sync"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkEntry measures Script.Entry (running the module top level and
// finding main). "reused-runtime" excludes runtime creation (one goja.Runtime
// for all iterations); "new-runtime" includes goja.New per iteration, as a
// call does.
func BenchmarkEntry(b *testing.B) {
	for _, name := range []string{"classic_sync", "cjs_object", "esm_default_object", "typed.ts"} {
		s := openTestdata(b)
		sc, err := s.Get(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/reused-runtime", func(b *testing.B) {
			vm := goja.New()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Entry(vm, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/new-runtime", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Entry(goja.New(), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen1000 measures Open of a directory of 1,000 scripts (ten
// subdirectories; 80% plain JavaScript, 10% ES modules, 10% TypeScript), all
// compiled up front in parallel. ns/op is the time to load them all.
func BenchmarkOpen1000(b *testing.B) {
	dir := b.TempDir()
	for i := range 1000 {
		var name, src string
		switch {
		case i%10 == 0:
			name = fmt.Sprintf("d%d/s%04d.ts", i%10, i)
			src = fmt.Sprintf(typedSource, i)
		case i%10 == 1:
			name = fmt.Sprintf("d%d/s%04d.js", i%10, i)
			src = fmt.Sprintf(esmSource, i)
		default:
			name = fmt.Sprintf("d%d/s%04d.js", i%10, i)
			src = fmt.Sprintf(classicSource, i)
		}
		writeFile(b, dir, name, src)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.Files()); n != 1000 {
			b.Fatalf("loaded %d scripts, want 1000", n)
		}
	}
}

// Sources of about 40 lines, like an operator's IVR script.
const classicSource = `// script %d
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/welcome.wav');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await ctx.ivr('user/menu.wav', 5, 1, 1, '#', { regexp: '[123]' });
    if (r.status === 'success') {
      switch (r.value) {
        case '1': await ctx.bridge('1001'); return;
        case '2': await ctx.bridge('1002'); return;
        default: await ctx.transfer('operator'); return;
      }
    }
    console.log('no choice', { attempt, status: r.status });
    await ctx.play('user/try-again.wav');
  }
  await ctx.hangup('NORMAL_CLEARING');
}
`

const esmSource = `// script %d
import kv from 'kv';
export async function main(data, ctx) {
  await ctx.answer();
  const n = await kv.incr('calls:' + data.destinationNumber);
  const blocked = await kv.get('dnc:' + data.callerIdNumber);
  if (blocked) {
    await ctx.hangup('CALL_REJECTED');
    return;
  }
  await ctx.say(String(n), { lang: 'en', type: 'number', method: 'pronounced' });
  const r = await ctx.bridge(data.destinationNumber, true, 20);
  if (r.status !== 'success') await ctx.play('user/busy.wav');
}
`

const typedSource = `// script %d
interface Route { prefix: string; target: string }
const routes: Route[] = [
  { prefix: '1', target: '1001' },
  { prefix: '2', target: '1002' },
];
export async function main(data: { destinationNumber: string }, ctx: any): Promise<void> {
  await ctx.answer();
  const route: Route | undefined = routes.find((r) => data.destinationNumber.startsWith(r.prefix));
  if (!route) {
    await ctx.hangup('UNALLOCATED_NUMBER');
    return;
  }
  const res: { status: string; cause: string } = await ctx.bridge(route.target, true, 30);
  console.log('bridge', res.status, res.cause);
}
`
