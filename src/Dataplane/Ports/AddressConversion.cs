using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace PptpGw.Dataplane.Ports;

/// <summary>IPv4 addresses between <see cref="IPAddress"/>, host-order integers (the form in <see cref="Buffers.PacketBuffer.PeerAddress"/>) and sockaddr_in.</summary>
public static class AddressConversion
{
    /// <summary>198.18.0.1 → 0xC6120001.</summary>
    /// <exception cref="ArgumentException">Not an IPv4 address.</exception>
    public static uint ToHostOrder(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>0xC6120001 → 198.18.0.1.</summary>
    public static IPAddress ToIPAddress(uint hostOrder)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, hostOrder);
        return new IPAddress(bytes);
    }

    /// <summary>A host-order address as the kernel stores it in sockaddr_in (network order in memory).</summary>
    internal static uint ToNetworkOrder(uint hostOrder) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostOrder) : hostOrder;

    internal static uint FromNetworkOrder(uint networkOrder) => ToNetworkOrder(networkOrder);
}
