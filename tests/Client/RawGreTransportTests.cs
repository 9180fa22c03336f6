using System.Buffers.Binary;
using System.Net;
using PptpGw.Client;
using PptpGw.Tests.Shared;

namespace PptpGw.Tests.Client;

/// <summary>
/// The client's raw GRE transport batches its sends (issue 12): packets taken by <see cref="RawGreTransport.SendDeferred"/>
/// leave in one sendmmsg at <see cref="RawGreTransport.FlushSends"/>, at a full batch, or before the next
/// <see cref="RawGreTransport.Send"/>, always in the order given. Two transports on loopback in a throw-away namespace.
/// </summary>
public sealed class RawGreTransportTests
{
    [KernelFact]
    public void Deferred_sends_leave_in_batches_in_order_and_an_immediate_send_goes_after_them()
    {
        using var ns = NetworkNamespace.Create();
        IPAddress client = IPAddress.Parse("127.0.0.1");
        IPAddress server = IPAddress.Parse("127.0.0.2");
        using RawGreTransport sender = ns.Run(() => new RawGreTransport(client, server));
        using RawGreTransport receiver = ns.Run(() => new RawGreTransport(server, client));

        for (uint i = 0; i < 10; i++)
            sender.SendDeferred(Gre(i));
        Assert.Equal(0, sender.SendBatches);
        Assert.False(receiver.TryReceive(new byte[2048], out _, 100)); // held until a flush

        sender.Send(Gre(10)); // the ten held ones first, then this one: one batch
        Assert.Equal(1, sender.SendBatches);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (uint)i), ReceiveSequence(receiver, 11));

        for (uint i = 11; i < 51; i++)
            sender.SendDeferred(Gre(i)); // the 32nd fills the batch, which goes at once
        Assert.Equal(2, sender.SendBatches);
        sender.FlushSends();
        Assert.Equal(3, sender.SendBatches);
        sender.FlushSends(); // nothing held: no system call
        Assert.Equal(3, sender.SendBatches);
        Assert.Equal(Enumerable.Range(11, 40).Select(i => (uint)i), ReceiveSequence(receiver, 40));
        Assert.Equal(51, sender.Counters.TxPackets);
        Assert.Equal(0, sender.Counters.TxErrors);
    }

    private static List<uint> ReceiveSequence(RawGreTransport receiver, int count)
    {
        var sequence = new List<uint>();
        byte[] buffer = new byte[2048];
        while (sequence.Count < count && receiver.TryReceive(buffer, out int length, 2000))
        {
            Assert.Equal(16 + 32, length);
            sequence.Add(BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(8)));
        }
        return sequence;
    }

    // Enhanced GRE (RFC 2637 §4.1): K and S set, version 1, protocol PPP; call id 7, sequence number i; 48 octets in all.
    private static byte[] Gre(uint sequence)
    {
        byte[] packet = new byte[16 + 32];
        packet[0] = 0x30;
        packet[1] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 0x880B);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 16 + 32 - 12); // payload after the 12-octet header
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 7);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), sequence);
        return packet;
    }
}
