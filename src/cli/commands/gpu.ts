// `npm run higr -- gpu`: the WebGPU adapter the CLI gets (Dawn in Node), its limits and features, and a one-kernel
// self-test (a WGSL file imported with ?raw, dispatched, read back and compared with the CPU).
import { cliGpu, mdTable, type Command } from '../result';
import selftestWgsl from './gpu-selftest.wgsl?raw';

async function selfTest(device: GPUDevice, n: number): Promise<{ n: number; maxAbsErr: number; ms: number }> {
  const input = new Float32Array(n);
  for (let i = 0; i < n; i++) input[i] = (i % 97) - 48.5;
  const t0 = performance.now();
  const inBuf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const outBuf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readBuf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(inBuf, 0, input);
    device.pushErrorScope('validation');
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: selftestWgsl }), entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: inBuf } },
        { binding: 1, resource: { buffer: outBuf } },
      ],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(outBuf, 0, readBuf, 0, n * 4);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`self-test kernel failed validation: ${err.message}`);
    await readBuf.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();
    let maxAbsErr = 0;
    for (let i = 0; i < n; i++) maxAbsErr = Math.max(maxAbsErr, Math.abs(out[i] - (input[i] * 2 + 1)));
    return { n, maxAbsErr, ms: performance.now() - t0 };
  } finally {
    inBuf.destroy();
    outBuf.destroy();
    readBuf.destroy();
  }
}

const gpu: Command = {
  name: 'gpu',
  describe: 'show the WebGPU adapter (Dawn in Node), its limits and features, and run a one-kernel self-test',
  async run(args) {
    const { device, info } = await cliGpu();
    const st = await selfTest(device, args.quick ? 1000 : 1 << 20);
    if (st.maxAbsErr !== 0) throw new Error(`self-test mismatch: max |gpu - cpu| = ${st.maxAbsErr} over ${st.n} values`);
    const rows: unknown[][] = [
      ['vendor', info.vendor || '—'],
      ['architecture', info.architecture || '—'],
      ['device', info.device || '—'],
      ['description', info.description || '—'],
      ['host', info.host],
      ['software', info.isSoftware ? 'yes' : 'no'],
      ['shader-f16', info.f16 ? 'yes' : 'no'],
      ['timestamp-query', info.timestampQuery ? 'yes' : 'no'],
      ...Object.entries(info.limits).map(([k, v]) => [k, String(v)]),
      ['features', info.features.join(', ') || 'none'],
      ['self-test', `ok: ${st.n.toLocaleString('en-US')} values, exact, ${st.ms.toFixed(1)} ms`],
    ];
    return {
      table: mdTable(['property', 'value'], rows),
      json: {
        protocol: 'adapter report + elementwise self-test y = 2x + 1 (f32, exact)',
        settings: { selftestSize: st.n },
        adapterInfo: info,
        selftest: st,
      },
    };
  },
};

export default gpu;
