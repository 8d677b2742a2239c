// Protocol choice of the sequence stages (src/stages/eval-data.ts), free of data-layer imports (the page loads it).
export const PROTOCOL_CHOICES = ['reference', 'data'] as const;
export type ProtocolChoice = (typeof PROTOCOL_CHOICES)[number];
