using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Fsm;

namespace PptpGw.Tests.ControlPlane.Ppp.Fsm;

/// <summary>One automaton with a <see cref="TestLayer"/>, a fake clock and a record of everything it did.</summary>
internal sealed class FsmHarness : IDisposable
{
    public FsmHarness(PppFsmOptions? options = null, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider();
        Fsm = new PppFsm("TEST", Layer, packet =>
        {
            byte[] copy = packet.ToArray();
            Sent.Add(copy);
            if (copy[0] == PppFsmCode.ConfigureRequest)
                LastRequest = copy;
        }, Time, options);
        Fsm.Observer = Steps.Add;
    }

    public FakeTimeProvider Time { get; }
    public TestLayer Layer { get; } = new();
    public PppFsm Fsm { get; }
    public List<byte[]> Sent { get; } = [];
    public List<PppFsmStep> Steps { get; } = [];

    /// <summary>Our most recent Configure-Request (kept across <see cref="ClearRecords"/>).</summary>
    public byte[]? LastRequest { get; private set; }

    public byte LastRequestId => LastRequest![1];
    public byte[] LastRequestOptions => LastRequest![PppControlPacket.HeaderLength..];

    public void ClearRecords()
    {
        Sent.Clear();
        Steps.Clear();
        Layer.Calls.Clear();
    }

    public IEnumerable<byte[]> SentWithCode(byte code) => Sent.Where(p => p[0] == code);

    public void Receive(byte[] packet) => Fsm.ReceivePacket(packet);

    public void Dispose() => Fsm.Dispose();

    // ---- packets a peer would send ----

    public static byte[] Packet(byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        var packet = new byte[PppControlPacket.HeaderLength + data.Length];
        Assert.True(PppControlPacket.TryWriteHeader(packet, code, identifier, data.Length));
        data.CopyTo(packet.AsSpan(PppControlPacket.HeaderLength));
        return packet;
    }

    public static byte[] ValueOption(ushort value)
    {
        var option = new byte[] { TestLayer.ValueOption, 4, 0, 0 };
        BinaryPrimitives.WriteUInt16BigEndian(option.AsSpan(2), value);
        return option;
    }

    /// <summary>A Configure-Request from the peer; with the default layer settings 1500 is acceptable.</summary>
    public static byte[] PeerRequest(byte identifier, ushort value = 1500) =>
        Packet(PppFsmCode.ConfigureRequest, identifier, ValueOption(value));

    public byte[] AckOfLastRequest() => Packet(PppFsmCode.ConfigureAck, LastRequestId, LastRequestOptions);

    public byte[] NakOfLastRequest(ushort suggested) => Packet(PppFsmCode.ConfigureNak, LastRequestId, ValueOption(suggested));

    public static byte[] CodeRejectOf(byte rejectedCode) =>
        Packet(PppFsmCode.CodeReject, 0x60, Packet(rejectedCode, 0x33, [1, 4, 0, 1]));
}
