import { Decoder, Encoder, PacketType, protocol, type Packet } from 'socket.io-parser';

/**
 * An event argument that is already JSON text (a snapshot message built from
 * stored chunk text, docs/read-path.md "Shared reads"): sent as it is, not
 * parsed and serialised again. Only ingest's encoder knows it; clients see
 * an ordinary JSON event.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Socket.IO's default parser, but an event whose one argument is RawJson is
 * written by splicing its text into the packet: what JSON.stringify of the
 * parsed equivalent would give. Decoding is the default decoder's, and every
 * other packet is encoded by the default encoder.
 */
class RawJsonEncoder extends Encoder {
  override encode(packet: Packet): (string | Buffer | ArrayBuffer)[] {
    const data: unknown = packet.data;
    if (
      packet.type === PacketType.EVENT &&
      Array.isArray(data) &&
      data.length === 2 &&
      data[1] instanceof RawJson
    ) {
      // Socket.IO's string form: type, namespace unless "/", ack id, then the JSON array.
      const nsp = packet.nsp !== '/' ? `${packet.nsp},` : '';
      const id = packet.id ?? '';
      return [`${packet.type}${nsp}${id}[${JSON.stringify(data[0])},${data[1].text}]`];
    }
    return super.encode(packet) as (string | Buffer | ArrayBuffer)[];
  }
}

/** The `parser` option of ingest's Socket.IO server. */
export const rawJsonParser = { protocol, Encoder: RawJsonEncoder, Decoder };
