// The closed-form receptive field of the units after `layers` (convbook.receptive's
// receptive_field), shared by the receptive-field and the trained-network explorers: per axis
// its size, effective stride (jump), effective padding and start (the centre of unit 0).
// Layers without a window (activations) leave the field as it is.
function cbField(layers) {
  const size = [1, 1], jump = [1, 1], padding = [0, 0], start = [0, 0];
  for (const l of layers) {
    if (!l.k) continue;
    for (let a = 0; a < 2; a++) {
      const span = l.d[a] * (l.k[a] - 1) + 1;
      size[a] += (span - 1) * jump[a];
      start[a] += ((span - 1) / 2 - l.p[a]) * jump[a];
      padding[a] += l.p[a] * jump[a];
      jump[a] *= l.s[a];
    }
  }
  return {size, stride: jump, padding, start};
}
