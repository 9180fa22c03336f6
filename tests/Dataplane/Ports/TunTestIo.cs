using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Tests.Dataplane.Ports;

/// <summary>
/// The TUN kernel tests' hand-played peer behind the device (TunCoalescingKernelTests, TunSegmentationKernelTests):
/// one packet in, the next matching packet out.
/// </summary>
internal static class TunTestIo
{
    /// <summary>Writes <paramref name="packet"/> (an IPv4 packet) into the TUN, as a host behind it sends.</summary>
    public static void Send(TunDevice tun, PacketPool pool, byte[] packet)
    {
        var one = new PacketHandle[1];
        Assert.Equal(1, pool.AllocateBurst(one));
        Assert.True(one[0].TryAppend(packet.Length, out Span<byte> data));
        packet.CopyTo(data);
        Assert.Equal(1, tun.TransmitBurst(one));
    }

    /// <summary>
    /// The next packet from the kernel that <paramref name="match"/> accepts, within 5 s; read one at a time, so nothing
    /// after it is lost to the next call.
    /// </summary>
    public static byte[] Receive(TunDevice tun, PacketPool pool, Func<byte[], bool> match, string what)
    {
        var rx = new PacketHandle[1];
        DateTime deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (!tun.WaitReadable(100) || tun.ReceiveBurst(rx) == 0)
                continue;
            byte[] packet = rx[0].Data.ToArray();
            pool.Free(rx[0]);
            if (match(packet))
                return packet;
        }

        throw new TimeoutException($"no matching {what} from the kernel within 5 s");
    }
}
