// gpu self-test (higr gpu): out[i] = in[i] * 2 + 1.
// bindings: @group(0) @binding(0) input: array<f32> (read), @binding(1) output: array<f32> (read_write)
// workgroup size 64; dispatch ceil(n / 64).
@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < arrayLength(&input)) {
    output[i] = input[i] * 2.0 + 1.0;
  }
}
