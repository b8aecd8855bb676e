/**
 * TFRecord framing, the container of TensorBoard event files: each record is its length (uint64
 * little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
 */
import { maskedCrc32c } from './crc32c.js';

/** Bytes a record adds around its data: length, its CRC, and the data's CRC. */
const FRAME_BYTES = 8 + 4 + 4;

/** `data` framed as one TFRecord. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * The length of the longest prefix of `bytes` made of whole records whose checksums hold: what is
 * left of a file after a crash cut its last record short (the rest is a torn tail).
 */
export function wholeRecordsLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + FRAME_BYTES <= bytes.length) {
    const length = view.getBigUint64(offset, true);
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) break;
    const end = offset + FRAME_BYTES + Number(length);
    if (length > BigInt(bytes.length) || end > bytes.length) break;
    const data = bytes.subarray(offset + 12, end - 4);
    if (view.getUint32(end - 4, true) !== maskedCrc32c(data)) break;
    offset = end;
  }
  return offset;
}
