using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// The descriptor of one packet buffer: one cache line, blittable, laid out so that it mirrors the
/// fields of a DPDK <c>rte_mbuf</c> the fast path uses (<c>buf_addr</c>, <c>data_off</c>,
/// <c>data_len</c>, <c>buf_len</c>, <c>port</c>) plus the gateway's own metadata.
/// </summary>
/// <remarks>
/// Slab packets (<see cref="PacketPool"/>) keep these descriptors in a dense array in front of the
/// buffers. A DPDK port can keep one in each mbuf's private area (<c>priv_size</c> = 64) pointing
/// at the mbuf's own data room, with <see cref="Native"/> holding the <c>rte_mbuf*</c>; then a
/// received frame reaches the workers without a copy, and only the two length fields are written
/// back on transmit. The layout is a contract with native code: do not reorder fields.
/// Only one segment is supported (no chained mbufs): packet length = <see cref="DataLength"/>.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Size = Size)]
public unsafe struct PacketBuffer
{
    /// <summary>Size of the descriptor in bytes (one cache line).</summary>
    public const int Size = 64;

    /// <summary>Start of the buffer (the headroom begins here). <c>rte_mbuf.buf_addr</c>.</summary>
    public byte* BufferAddress;

    /// <summary>Backend object owning the buffer (an <c>rte_mbuf*</c>), or 0 for slab packets.</summary>
    public nint Native;

    /// <summary>Offset of the first data byte from <see cref="BufferAddress"/>. <c>rte_mbuf.data_off</c>.</summary>
    public ushort DataOffset;

    /// <summary>Number of data bytes. <c>rte_mbuf.data_len</c> (= <c>pkt_len</c>, one segment).</summary>
    public ushort DataLength;

    /// <summary>Size of the whole buffer, headroom included. <c>rte_mbuf.buf_len</c>.</summary>
    public ushort BufferLength;

    /// <summary>Id of the port the packet arrived on (stamped by the receiving port). <c>rte_mbuf.port</c>.</summary>
    public ushort Port;

    /// <summary>
    /// IPv4 address of the GRE peer, as a host-order integer (198.18.0.1 = 0xC6120001): the source
    /// of a packet received on the outside, the destination of a packet to send there.
    /// </summary>
    public uint PeerAddress;

    /// <summary>Index of the session the packet belongs to, -1 when not yet classified.</summary>
    public int SessionIndex;

    /// <summary>Free 32-bit field for the stage that owns the packet (e.g. a call id or a flag word).</summary>
    public uint UserData;

    /// <summary>Index of this descriptor in its pool (set once by the pool; the DPDK port may reuse it).</summary>
    public int PoolIndex;

    /// <summary>Owner-state word used by <see cref="PacketPool"/> to catch double frees.</summary>
    internal int State;
}
