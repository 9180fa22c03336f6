using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// The address-based burst overloads (<see cref="MppePacketPointer"/>, packets in separate native buffers as in the
/// worker's pool) against the offset-based ones over one slab: same bytes, same results, same state.
/// </summary>
public unsafe class MppeBurstPointerTests
{
    private const int Sessions = 6;

    private static (MppeSender[] Senders, MppeReceiver[] Receivers) SixSessions()
    {
        var senders = new MppeSender[Sessions];
        var receivers = new MppeReceiver[Sessions];
        for (int s = 0; s < Sessions; s++)
        {
            MppeKeyStrength strength = s % 3 == 0 ? MppeKeyStrength.Bits40 : MppeKeyStrength.Bits128;
            byte[] key = StartKey(strength, MppeRole.Server);
            key[0] ^= (byte)s;
            senders[s].Initialize(key, strength, stateless: s % 2 == 0);
            receivers[s].Initialize(key, strength, stateless: s % 2 == 0);
        }
        return (senders, receivers);
    }

    [Fact]
    public void Pointer_bursts_equal_offset_bursts()
    {
        Gen.Select(Gen.Int[0, Sessions - 1], Gen.Int[0, 1500]).Array[1, MppeBurst.MaxPackets].Array[1, 5].Sample(bursts =>
        {
            var (senders, receivers) = SixSessions();
            var (slabSenders, slabReceivers) = SixSessions();
            foreach (var burst in bursts)
            {
                // Offsets into one slab; the same packets copied into separate native buffers.
                var packets = new MppePacket[burst.Length];
                int offset = 0;
                for (int k = 0; k < burst.Length; k++)
                {
                    packets[k] = new MppePacket(burst[k].Item1, offset, burst[k].Item2); // lengths 0-2 are refused (TooShort)
                    offset += burst[k].Item2;
                }
                var slab = new byte[offset];
                RandomNumberGenerator.Fill(slab);
                var buffers = new byte*[burst.Length];
                var pointers = new MppePacketPointer[burst.Length];
                try
                {
                    for (int k = 0; k < burst.Length; k++)
                    {
                        buffers[k] = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, packets[k].Length));
                        slab.AsSpan(packets[k].Offset, packets[k].Length).CopyTo(new Span<byte>(buffers[k], packets[k].Length));
                        pointers[k] = new MppePacketPointer(packets[k].Session, buffers[k], packets[k].Length);
                    }

                    var slabResults = new MppeDropReason[burst.Length];
                    var results = new MppeDropReason[burst.Length];
                    Assert.Equal(MppeBurst.Encrypt(slabSenders, slab, packets, slabResults), MppeBurst.Encrypt(senders, pointers, results));
                    Assert.Equal(slabResults, results);
                    AssertSame(slab, packets, buffers);

                    Assert.Equal(MppeBurst.Decrypt(slabReceivers, slab, packets, slabResults), MppeBurst.Decrypt(receivers, pointers, results));
                    Assert.Equal(slabResults, results);
                    AssertSame(slab, packets, buffers);
                }
                finally
                {
                    foreach (byte* buffer in buffers)
                        NativeMemory.Free(buffer);
                }
            }
            for (int s = 0; s < Sessions; s++)
            {
                Assert.Equal(slabSenders[s].CoherencyCount, senders[s].CoherencyCount);
                Assert.Equal(slabSenders[s].KeyChanges, senders[s].KeyChanges);
                Assert.Equal(slabReceivers[s].PacketsDecrypted, receivers[s].PacketsDecrypted);
                Assert.Equal(slabReceivers[s].KeyChanges, receivers[s].KeyChanges);
            }
        }, iter: 30);
    }

    [Fact]
    public void Pointer_bursts_refuse_caller_bugs()
    {
        var (senders, _) = SixSessions();
        byte* data = stackalloc byte[16];
        var results = new MppeDropReason[MppeBurst.MaxPackets + 1];
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, [new MppePacketPointer(Sessions, data, 16)], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, [new MppePacketPointer(0, null, 16)], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, [new MppePacketPointer(0, data, -1)], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, new MppePacketPointer[MppeBurst.MaxPackets + 1], results));
        Assert.Throws<ArgumentException>(() => MppeBurst.Encrypt(senders, [new MppePacketPointer(0, data, 16)], []));
    }

    private static void AssertSame(byte[] slab, MppePacket[] packets, byte*[] buffers)
    {
        for (int k = 0; k < packets.Length; k++)
            Assert.Equal(slab.AsSpan(packets[k].Offset, packets[k].Length).ToArray(), new ReadOnlySpan<byte>(buffers[k], packets[k].Length).ToArray());
    }
}
