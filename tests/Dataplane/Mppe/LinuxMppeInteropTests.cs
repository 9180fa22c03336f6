using System.Security.Cryptography;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.Dataplane.Mppe.MppeTestKit;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// A small model of the MPPE state machine of Linux's ppp_mppe (drivers/net/ppp/ppp_mppe.c, the kernel half of the
/// pppd 2.4.9 peer we run against in CI): <c>mppe_init</c>, <c>mppe_rekey</c>, <c>mppe_comp_reset</c>,
/// <c>mppe_compress</c>, <c>mppe_decompress</c>, written from that code's logic, statement for statement, with plain
/// building blocks (the BCL's SHA-1 and the RFC 6229-checked <see cref="Rc4"/>) and nothing from the engine.
/// Packets are laid out as the engine's: the 2-octet MPPE header, then the encrypted PPP protocol field and data.
/// Linux has no 56-bit MPPE: 40- and 128-bit only.
/// </summary>
internal sealed class LinuxMppe
{
    private const int CcountSpace = 4096;       // MPPE_CCOUNT_SPACE
    private const byte BitFlushed = 0x80;       // MPPE_BIT_A / MPPE_BIT_FLUSHED
    private const byte BitEncrypted = 0x10;     // MPPE_BIT_D / MPPE_BIT_ENCRYPTED

    private readonly byte[] _masterKey = new byte[16];
    private readonly byte[] _sessionKey = new byte[16];
    private readonly int _keylen;
    private readonly bool _stateful;
    private Rc4 _arc4;
    private int _ccount;
    private byte _bits;
    private bool _discard;

    public enum Outcome
    {
        /// <summary>Decrypted.</summary>
        Ok,
        /// <summary>DECOMP_ERROR on entering the discard state: pppd's CCP sends a Reset-Request.</summary>
        LossDetected,
        /// <summary>DECOMP_ERROR in the discard state (CCP stays silent: its Reset-Request is pending).</summary>
        Discarded,
        /// <summary>A sanity check failed ("terminate with extreme prejudice").</summary>
        SanityError,
    }

    /// <summary>mppe_alloc + mppe_init.</summary>
    public LinuxMppe(ReadOnlySpan<byte> startKey, MppeKeyStrength strength, bool stateful)
    {
        _keylen = strength switch
        {
            MppeKeyStrength.Bits40 => 8,
            MppeKeyStrength.Bits128 => 16,
            _ => throw new ArgumentOutOfRangeException(nameof(strength), strength, "Linux does 40 or 128 bits."),
        };
        startKey[.._keylen].CopyTo(_masterKey);
        _masterKey.CopyTo(_sessionKey, 0);   // mppe_alloc: session_key = master_key
        _stateful = stateful;
        Rekey(initialKey: true);             // mppe_init: "Generate the initial session key."
        _ccount = CcountSpace - 1;           // so that the first packet is 0
        _bits = BitEncrypted;                // the first packet is not flushed ("contrary to RFC 3078, sec. 3.1")
    }

    /// <summary>Key changes made after the initial key (calls of mppe_rekey(state, 0)).</summary>
    public int KeyChanges { get; private set; }

    /// <summary>mppe_rekey: GetNewKeyFromSHA; RC4(interim) over interim unless initial; salt for 40 bits; re-key arc4.</summary>
    private void Rekey(bool initialKey)
    {
        // get_new_key_from_sha: SHA-1(master_key | 40 x 00 | session_key | 40 x F2), keylen octets of each key.
        var input = new byte[2 * _keylen + 80];
        _masterKey.AsSpan(0, _keylen).CopyTo(input);
        _sessionKey.AsSpan(0, _keylen).CopyTo(input.AsSpan(_keylen + 40));
        input.AsSpan(2 * _keylen + 40).Fill(0xF2);
        byte[] digest = SHA1.HashData(input);
        if (!initialKey)
        {
            var interim = new Rc4(digest.AsSpan(0, _keylen));
            interim.Transform(digest.AsSpan(0, _keylen), _sessionKey);
            KeyChanges++;
        }
        else
        {
            digest.AsSpan(0, _keylen).CopyTo(_sessionKey);
        }
        if (_keylen == 8)
        {
            _sessionKey[0] = 0xD1;
            _sessionKey[1] = 0x26;
            _sessionKey[2] = 0x9E;
        }
        _arc4 = new Rc4(_sessionKey.AsSpan(0, _keylen));
    }

    /// <summary>mppe_comp_reset: a CCP Reset-Request was received.</summary>
    public void CompReset() => _bits |= BitFlushed;

    /// <summary>mppe_compress: header + encrypted <paramref name="plain"/> (PPP protocol field and information).</summary>
    public byte[] Compress(ReadOnlySpan<byte> plain)
    {
        var obuf = new byte[2 + plain.Length];
        _ccount = (_ccount + 1) % CcountSpace;
        obuf[0] = (byte)(_ccount >> 8);
        obuf[1] = (byte)_ccount;
        if (!_stateful || (_ccount & 0xFF) == 0xFF || (_bits & BitFlushed) != 0)
        {
            Rekey(initialKey: false);
            _bits |= BitFlushed;
        }
        obuf[0] |= _bits;
        _bits &= unchecked((byte)~BitFlushed);
        _arc4.Transform(plain, obuf.AsSpan(2));
        return obuf;
    }

    /// <summary>mppe_decompress.</summary>
    public Outcome Decompress(ReadOnlySpan<byte> packet, out byte[] plain)
    {
        plain = [];
        if (packet.Length <= 2)
            return Outcome.SanityError;
        bool flushed = (packet[0] & BitFlushed) != 0;
        int ccount = ((packet[0] & 0x0F) << 8) + packet[1];
        if ((packet[0] & BitEncrypted) == 0 || (!_stateful && !flushed) || (_stateful && (ccount & 0xFF) == 0xFF && !flushed))
            return Outcome.SanityError;

        if (!_stateful)
        {
            // Discard late packet (unsigned arithmetic in C).
            if ((uint)(ccount - _ccount) % CcountSpace > CcountSpace / 2)
                return Outcome.SanityError;
            while (_ccount != ccount)
            {
                Rekey(initialKey: false);
                _ccount = (_ccount + 1) % CcountSpace;
            }
        }
        else
        {
            if (!_discard)
            {
                _ccount = (_ccount + 1) % CcountSpace;
                if (ccount != _ccount)
                {
                    _discard = true;
                    return Outcome.LossDetected;
                }
            }
            else
            {
                if (!flushed)
                    return Outcome.Discarded;
                while ((ccount & ~0xFF) != (_ccount & ~0xFF))
                {
                    Rekey(initialKey: false);
                    _ccount = (_ccount + 256) % CcountSpace;
                }
                _discard = false;
                _ccount = ccount;
            }
            if (flushed)
                Rekey(initialKey: false);
        }

        plain = new byte[packet.Length - 2];
        _arc4.Transform(packet[2..], plain);
        return Outcome.Ok;
    }
}

/// <summary>
/// The engine against the Linux model (<see cref="LinuxMppe"/>) in every mode both support: byte-for-byte equal
/// senders, and each side's sender against the other side's receiver over a lossy link with the CCP Reset-Request
/// round trip, for more than 1000 packets (flag packets 0x0FF ... 0x3FF crossed, some of them lost).
/// </summary>
public class LinuxMppeInteropTests
{
    private const int Count = 1100;

    /// <summary>Packets in flight while a Reset-Request travels back to the sender (delivered and dropped meanwhile).</summary>
    private const int ResetDelay = 3;

    // Loss bursts: one packet; five; 250..262 across the flag packet 0x0FF; 505..520 across 0x1FF; the flag packet
    // 0x2FF itself; and 1018, whose Reset-Request reaches the sender just before the flag packet 0x3FF (flag and
    // reset on one packet: one key change). No burst is followed directly by a flushed packet, so both receivers
    // see exactly one loss per burst.
    private static readonly (int First, int Count)[] LossBursts = [(50, 1), (100, 5), (250, 13), (505, 16), (767, 1), (1018, 1)];

    private static bool IsLost(int n) => LossBursts.Any(b => n >= b.First && n < b.First + b.Count);

    public static TheoryData<MppeKeyStrength, bool> LinuxModes() => new()
    {
        { MppeKeyStrength.Bits40, true },
        { MppeKeyStrength.Bits40, false },
        { MppeKeyStrength.Bits128, true },
        { MppeKeyStrength.Bits128, false },
    };

    [Theory]
    [MemberData(nameof(LinuxModes))]
    public void OurSender_IsByteForByteLinuxCompress(MppeKeyStrength strength, bool stateless)
    {
        byte[] startKey = StartKey(strength, MppeRole.Server);
        var sender = new MppeSender[1];
        sender[0].Initialize(startKey, strength, stateless);
        var linux = new LinuxMppe(startKey, strength, stateful: !stateless);

        for (int n = 0; n < Count; n++)
        {
            // Reset-Requests: two in a row, one twice before a packet, one on the flag packet 0x1FF, one just after it.
            if (n is 3 or 4 or 10 or 511 or 512)
            {
                sender[0].OnResetRequestReceived();
                linux.CompReset();
                if (n == 10)
                {
                    sender[0].OnResetRequestReceived();
                    linux.CompReset();
                }
            }
            byte[] packet = Packet(n, 1 + n * 29 % 700);
            byte[] expected = linux.Compress(packet.AsSpan(MppeHeader.Length));
            Assert.Equal(MppeDropReason.None, sender[0].Encrypt(packet));
            Assert.Equal(expected, packet);

            if (n == 0)
            {
                // The first packet: ccount 0; stateless, one key change before it and flushed; stateful, the initial
                // key unchanged and not flushed (Linux mppe_init).
                Assert.Equal(stateless ? new byte[] { 0x90, 0x00 } : new byte[] { 0x10, 0x00 }, packet[..2]);
                Assert.Equal(stateless ? 1UL : 0UL, sender[0].KeyChanges);
            }
        }
        Assert.Equal((ulong)linux.KeyChanges, sender[0].KeyChanges);
        // Stateful: flag packets 0x0FF, 0x1FF (also a reset), 0x2FF, 0x3FF plus resets at 3, 4, 10, 512.
        Assert.Equal(stateless ? (ulong)Count : 8UL, sender[0].KeyChanges);
    }

    [Theory]
    [MemberData(nameof(LinuxModes))]
    public void LinuxSender_OurReceiver_LossAndResetRequest(MppeKeyStrength strength, bool stateless)
    {
        byte[] startKey = StartKey(strength, MppeRole.Client);
        var linux = new LinuxMppe(startKey, strength, stateful: !stateless);
        var receiver = new MppeReceiver[1];
        receiver[0].Initialize(startKey, strength, stateless);

        int resetReachesSenderAt = -1, decrypted = 0;
        for (int n = 0; n < Count; n++)
        {
            if (n == resetReachesSenderAt)
                linux.CompReset();
            byte[] plain = Packet(n, 1 + n * 31 % 900)[MppeHeader.Length..];
            byte[] wire = linux.Compress(plain);
            if (IsLost(n))
                continue;
            MppeDropReason result = receiver[0].Decrypt(wire);
            if (result == MppeDropReason.None)
            {
                Assert.Equal(plain, wire[MppeHeader.Length..]);
                decrypted++;
                continue;
            }
            Assert.False(stateless, $"packet {n}: {result}");
            if (result == MppeDropReason.StatefulPacketLoss)
                resetReachesSenderAt = n + 1 + ResetDelay;
            else
                Assert.Equal(MppeDropReason.StatefulResyncPending, result);
        }

        AssertOutcome(stateless, decrypted, receiver[0].ResetRequestsSignalled, receiver[0].GetDropCount(MppeDropReason.StatefulResyncPending));
        Assert.Equal(stateless ? 0UL : (ulong)LossBursts.Length, receiver[0].Resyncs);
        Assert.Equal((ulong)linux.KeyChanges, receiver[0].KeyChanges);
    }

    [Theory]
    [MemberData(nameof(LinuxModes))]
    public void OurSender_LinuxReceiver_LossAndResetRequest(MppeKeyStrength strength, bool stateless)
    {
        byte[] startKey = StartKey(strength, MppeRole.Server);
        var sender = new MppeSender[1];
        sender[0].Initialize(startKey, strength, stateless);
        var linux = new LinuxMppe(startKey, strength, stateful: !stateless);

        int resetReachesSenderAt = -1, decrypted = 0, lossesDetected = 0, discarded = 0;
        for (int n = 0; n < Count; n++)
        {
            if (n == resetReachesSenderAt)
                sender[0].OnResetRequestReceived();
            byte[] packet = Packet(n, 1 + n * 37 % 1400);
            byte[] plain = packet[MppeHeader.Length..];
            Assert.Equal(MppeDropReason.None, sender[0].Encrypt(packet));
            if (IsLost(n))
                continue;
            LinuxMppe.Outcome outcome = linux.Decompress(packet, out byte[] decryptedPlain);
            switch (outcome)
            {
                case LinuxMppe.Outcome.Ok:
                    Assert.Equal(plain, decryptedPlain);
                    decrypted++;
                    break;
                case LinuxMppe.Outcome.LossDetected:
                    lossesDetected++;
                    resetReachesSenderAt = n + 1 + ResetDelay;
                    break;
                case LinuxMppe.Outcome.Discarded:
                    discarded++;
                    break;
                default:
                    Assert.Fail($"packet {n}: Linux refused our header {packet[0]:X2} {packet[1]:X2}");
                    break;
            }
        }

        AssertOutcome(stateless, decrypted, (ulong)lossesDetected, (ulong)discarded);
        Assert.Equal(sender[0].KeyChanges, (ulong)linux.KeyChanges);
    }

    [Fact]
    public void FlushedPacketRightAfterAGap_WeResynchroniseAtOnce_LinuxAsksForAResetFirst()
    {
        // The documented difference: packets 0xF0..0xFE lost, the flag packet 0x0FF (flushed) arrives next. Linux
        // drops it and asks for a Reset-Request; we decrypt it with the same keys Linux would use once in discard state.
        byte[] startKey = StartKey(MppeKeyStrength.Bits128, MppeRole.Client);
        var linuxSender = new LinuxMppe(startKey, MppeKeyStrength.Bits128, stateful: true);
        var linuxReceiver = new LinuxMppe(startKey, MppeKeyStrength.Bits128, stateful: true);
        var receiver = new MppeReceiver[1];
        receiver[0].Initialize(startKey, MppeKeyStrength.Bits128, stateless: false);
        for (int n = 0; n < 0x110; n++)
        {
            byte[] plain = Packet(n, 50)[MppeHeader.Length..];
            byte[] wire = linuxSender.Compress(plain);
            if (n is >= 0xF0 and < 0xFF)
                continue;
            LinuxMppe.Outcome theirs = linuxReceiver.Decompress(wire, out _);
            MppeDropReason ours = receiver[0].Decrypt(wire);
            if (n == 0xFF)
            {
                Assert.Equal(LinuxMppe.Outcome.LossDetected, theirs);
                Assert.Equal(MppeDropReason.None, ours);
            }
            else
            {
                Assert.Equal(n < 0xFF ? LinuxMppe.Outcome.Ok : LinuxMppe.Outcome.Discarded, theirs);
                Assert.Equal(MppeDropReason.None, ours);
            }
            Assert.Equal(plain, wire[MppeHeader.Length..]);
        }
        Assert.Equal(0UL, receiver[0].ResetRequestsSignalled);
        Assert.Equal(1UL, receiver[0].Resyncs);
    }

    /// <summary>
    /// Stateless: every delivered packet decrypts. Stateful: per loss burst one loss signal (Reset-Request) and
    /// <see cref="ResetDelay"/> packets dropped while it travels, then the flushed packet resynchronises.
    /// </summary>
    private static void AssertOutcome(bool stateless, int decrypted, ulong lossSignals, ulong droppedWhileResyncing)
    {
        int lost = LossBursts.Sum(b => b.Count);
        int bursts = LossBursts.Length;
        if (stateless)
        {
            Assert.Equal(Count - lost, decrypted);
            Assert.Equal(0UL, lossSignals);
            Assert.Equal(0UL, droppedWhileResyncing);
        }
        else
        {
            Assert.Equal((ulong)bursts, lossSignals);
            Assert.Equal((ulong)(bursts * ResetDelay), droppedWhileResyncing);
            Assert.Equal(Count - lost - bursts * (1 + ResetDelay), decrypted);
        }
    }
}
