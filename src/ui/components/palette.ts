// One categorical palette shared by every plot that colours by a code (the explorer's scatter and sunburst use the
// same colour for the same level-1 prefix). 20 colours (d3 category20-like), repeating for larger codebooks.
export const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];
export const colourOf = (code: number) => PALETTE[((code % PALETTE.length) + PALETTE.length) % PALETTE.length];
