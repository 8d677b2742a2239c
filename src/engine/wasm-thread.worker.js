// One thread of the wasm backend's pool (src/engine/wasm-threads.ts): a Web Worker in the browser, a worker_threads
// Worker in Node. Plain JavaScript with no imports so the same file loads in both without a TypeScript loader.
//
// It instantiates the threaded kernel module (build/wasm/higr-mt.wasm) on the pool's shared WebAssembly.Memory with a
// stack of its own, then serves jobs forever: wait for the generation counter to move, run the kernel call in its
// slot (a row/batch range of one op, chosen by the main thread), clear the slot and decrement the pending count.
// Control block layout (Int32 indices): 0 generation, 1 pending, 2 error count, 3 exit flag, 4 workers ready; slot w (1-based) at
// byte SLOT_BYTES * w: i32 [state (0 idle, 1 job waiting, 2 running), fn, nargs, last generation seen], f64 args from byte 16.
const SLOT_BYTES = 256;
const ARGS_OFFSET = 16;

function serve(msg, done) {
  const { module, memory, ctrl, index, stackTop, names, importModule, importName, spin } = msg;
  const inst = new WebAssembly.Instance(module, { [importModule]: { [importName]: memory } });
  inst.exports.__stack_pointer.value = stackTop;
  const fns = names.map((n) => inst.exports[n]);
  const i32 = new Int32Array(ctrl);
  const base = (SLOT_BYTES * index) / 4;
  const args = new Float64Array(ctrl, SLOT_BYTES * index + ARGS_OFFSET, (SLOT_BYTES - ARGS_OFFSET) / 8);
  // The generation is read BEFORE this worker says it is ready: the pool may post the first job the moment the ready
  // count moves, and a worker that read the generation after that took the job's own generation for its starting point
  // and waited for the next one, leaving the job in its slot (seen as "did not pick up … last generation it saw: 0 of 1"
  // on loaded machines). The wait loop also looks at its slot, so a job is never missed whatever the generations did.
  let gen = Atomics.load(i32, 0);
  Atomics.add(i32, 4, 1);
  done();
  for (;;) {
    let spins = 0;
    while (Atomics.load(i32, 0) === gen && Atomics.load(i32, base) !== 1) {
      if (spins++ < spin) continue;
      Atomics.wait(i32, 0, gen, 500);
      if (Atomics.load(i32, 3)) return;
    }
    gen = Atomics.load(i32, 0);
    Atomics.store(i32, base + 3, gen); // the last generation this worker saw (the pool's diagnostics)
    if (Atomics.load(i32, 3)) return;
    // 1 = a job is waiting; 2 = picked up (the main thread tells a dead worker from a slow kernel by this)
    if (Atomics.compareExchange(i32, base, 1, 2) !== 1) continue;
    const fn = fns[i32[base + 1]];
    const n = i32[base + 2];
    try {
      switch (n) {
        case 7: fn(args[0], args[1], args[2], args[3], args[4], args[5], args[6]); break;
        case 14: fn(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], args[12], args[13]); break;
        default: fn(...Array.from(args.subarray(0, n)));
      }
    } catch (e) {
      Atomics.add(i32, 2, 1);
      console.error(`wasm thread ${index}: ${names[i32[base + 1]]} failed: ${e && e.message ? e.message : e}`);
    }
    Atomics.store(i32, base, 0);
    if (Atomics.sub(i32, 1, 1) === 1) Atomics.notify(i32, 1);
  }
}

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node) && typeof self === 'undefined';
if (isNode) {
  const name = 'node:worker_threads';
  import(/* @vite-ignore */ name).then(({ parentPort }) => {
    parentPort.once('message', (msg) => {
      serve(msg, () => parentPort.postMessage('ready'));
      parentPort.close();
    });
  });
} else {
  self.onmessage = (e) => {
    serve(e.data, () => self.postMessage('ready'));
    self.close();
  };
}
