using System.Buffers.Binary;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>Start keys from RFC 3079, packets laid out for the MPPE engine, and an independent reference stream.</summary>
internal static class MppeTestKit
{
    /// <summary>
    /// One burst through <see cref="MppeBurst"/> against the single-packet API in order (<paramref name="oneSenders"/>,
    /// <paramref name="oneReceivers"/>, on a copy of <paramref name="slab"/>): the same ciphertext, the plaintext back,
    /// the same state for the next burst.
    /// </summary>
    public static void AssertBurstEqualsOnePacketAtATime(
        MppeSender[] senders, MppeReceiver[] receivers, MppeSender[] oneSenders, MppeReceiver[] oneReceivers, byte[] slab, MppePacket[] packets)
    {
        byte[] plainSlab = (byte[])slab.Clone();
        byte[] oneSlab = (byte[])slab.Clone();
        foreach (MppePacket p in packets)
            Assert.Equal(MppeDropReason.None, oneSenders[p.Session].Encrypt(oneSlab.AsSpan(p.Offset, p.Length)));

        var results = new MppeDropReason[packets.Length];
        Assert.Equal(packets.Length, MppeBurst.Encrypt(senders, slab, packets, results));
        Assert.All(results, r => Assert.Equal(MppeDropReason.None, r));
        Assert.Equal(oneSlab, slab);

        Assert.Equal(packets.Length, MppeBurst.Decrypt(receivers, slab, packets, results));
        Assert.All(results, r => Assert.Equal(MppeDropReason.None, r));
        foreach (MppePacket p in packets)
        {
            Assert.Equal(plainSlab.AsSpan(p.Offset + 2, p.Length - 2).ToArray(), slab.AsSpan(p.Offset + 2, p.Length - 2).ToArray());
            Assert.Equal(MppeDropReason.None, oneReceivers[p.Session].Decrypt(oneSlab.AsSpan(p.Offset, p.Length)));
        }
        Assert.Equal(slab, oneSlab);
    }

    // RFC 3079 §3.5 MasterKey ("User"/"clientPass").
    private static readonly byte[] MasterKey = Convert.FromHexString("FDECE3717A8C838CB388E527AE3CDD31");

    /// <summary>
    /// The start key one end sends with and the other receives with (RFC 3079 §3.4 GetAsymmetricStartKey). Asserts the
    /// server's send key is the client's receive key, so sender and receiver below are keyed as the two real ends would be.
    /// </summary>
    public static byte[] StartKey(MppeKeyStrength strength, MppeRole sender)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        var send = new byte[length];
        var receive = new byte[length];
        MppeKeyDerivation.GetAsymmetricStartKey(MasterKey, send, isSend: true, sender);
        MppeKeyDerivation.GetAsymmetricStartKey(MasterKey, receive, isSend: false, sender == MppeRole.Server ? MppeRole.Client : MppeRole.Server);
        Assert.Equal(send, receive);
        return send;
    }

    public static (MppeSender[] Senders, MppeReceiver[] Receivers) Pair(MppeKeyStrength strength, bool stateless, MppeRole sender = MppeRole.Server)
    {
        byte[] key = StartKey(strength, sender);
        var senders = new MppeSender[1];
        var receivers = new MppeReceiver[1];
        senders[0].Initialize(key, strength, stateless);
        receivers[0].Initialize(key, strength, stateless);
        return (senders, receivers);
    }

    /// <summary>A PPP payload (protocol 0x0021 + information) behind two octets of head room for the MPPE header.</summary>
    public static byte[] Packet(int seed, int payloadLength)
    {
        var packet = new byte[MppeHeader.Length + payloadLength];
        new Random(seed).NextBytes(packet.AsSpan(MppeHeader.Length));
        if (payloadLength >= 2)
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(MppeHeader.Length), 0x0021);
        packet[0] = packet[1] = 0;
        return packet;
    }

    public static MppeHeader Header(byte[] packet)
    {
        Assert.Equal(MppeHeaderError.None, MppeHeader.TryRead(packet, out MppeHeader header));
        return header;
    }

    public static byte[] Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length];
        for (int n = 0; n < a.Length; n++)
            result[n] = (byte)(a[n] ^ b[n]);
        return result;
    }
}

/// <summary>
/// The keystream MPPE must produce, computed from the RFC 3079 / RFC 3078 §7 schedule with the plain building blocks
/// (<see cref="MppeKeySchedule"/>, a fresh <see cref="Rc4"/>), independent of the engine's fast paths.
/// </summary>
internal sealed class ReferenceMppeStream
{
    private readonly byte[] _startKey;
    private readonly byte[] _sessionKey;
    private readonly MppeKeyStrength _strength;
    private readonly bool _stateless;
    private Rc4 _rc4;
    private int _ccount = MppeHeader.CoherencyCountMask;

    public ReferenceMppeStream(byte[] startKey, MppeKeyStrength strength, bool stateless)
    {
        _startKey = startKey;
        _strength = strength;
        _stateless = stateless;
        _sessionKey = new byte[MppeKeySchedule.SessionKeyLength(strength)];
        MppeKeySchedule.DeriveInitialSessionKey(startKey, strength, _sessionKey);
        _rc4 = new Rc4(_sessionKey);
    }

    public byte[] SessionKey => (byte[])_sessionKey.Clone();

    /// <summary>The next packet's coherency count, whether it is flushed, and its keystream.</summary>
    public (ushort CoherencyCount, bool Flushed, byte[] Keystream) Next(int length, bool resetRequested = false)
    {
        _ccount = (_ccount + 1) & MppeHeader.CoherencyCountMask;
        bool flushed = false;
        // Stateless: every packet; stateful: flag packets and the packet answering a Reset-Request (Linux ppp_mppe).
        if (_stateless || (_ccount & 0xFF) == 0xFF || resetRequested)
        {
            MppeKeySchedule.ChangeKey(_startKey, _sessionKey, _strength);
            _rc4 = new Rc4(_sessionKey);
            flushed = true;
        }
        var keystream = new byte[length];
        _rc4.Transform(keystream);
        return ((ushort)_ccount, flushed, keystream);
    }
}
