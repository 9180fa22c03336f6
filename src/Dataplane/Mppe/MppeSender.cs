using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// One session's transmit direction of MPPE (RFC 3078): start key, current session key, RC4 state, coherency
/// count, key strength, mode. A plain value meant to live in a per-worker array indexed by session
/// (<c>MppeSender[]</c>) and be used through <c>ref</c>; nothing allocates per packet.
/// </summary>
/// <remarks>
/// <para><b>Buffer layout contract.</b> <see cref="Encrypt"/> takes the span that starts where the MPPE header
/// goes, i.e. just after the PPP protocol field 0x00FD that the framer writes (RFC 3078 §3):</para>
/// <code>
///   [FF 03] [00 FD]   | hh hh | protocol (1-2) | information ...
///   framer's part     | packet[0..2] = MPPE header (written here)
///                     | packet[2..]  = the original PPP protocol field + information, clear text in, cipher text out
/// </code>
/// <para>The caller leaves two octets of head room in front of the clear PPP protocol field; the encryption is
/// in place. The protected data is the protocol field as the PPP layer framed it (compressed or not, per PFC)
/// followed by the information field.</para>
/// <para><b>Modes.</b> Stateless (CCP option 18 bit H, RFC 3078 §7.1/§7.3): the session key changes before every
/// packet, the first included, and RC4 is keyed afresh; every packet carries A (flushed). Stateful (RFC 3078 §7.2):
/// one RC4 stream runs across packets; the key changes before each "flag" packet, whose coherency count's low octet
/// is 0xFF (so once every 256 packets), RC4 is re-keyed with the new key, and that packet carries A.</para>
/// <para><b>Reset-Request</b> (RFC 3078 §8.2, RFC 1962 §2.1). When the peer's CCP Reset-Request arrives the
/// control plane calls <see cref="OnResetRequestReceived"/>; the next stateful packet <em>changes the session key</em>
/// (RFC 3078 §7.3), re-keys RC4 with the new key and carries A. One key change even when that packet is also a flag
/// packet. RFC 3078's text is ambiguous here (it can be read as restarting RC4 with the current key, which is what
/// FreeBSD's ng_mppc does); we follow Linux (drivers/net/ppp/ppp_mppe.c, the kernel half of pppd's MPPE;
/// <c>mppe_compress</c> rekeys when stateless, on a flag packet, or when the flushed bit is pending after
/// <c>mppe_comp_reset</c>), because a Linux pppd is the peer we are deployed against and its receiver changes the key
/// on every flushed stateful packet. The receive side is
/// <see cref="MppeReceiver"/>.</para>
/// <para><b>First packet</b>, as Linux (<c>mppe_init</c>): coherency count 0. Stateless: encrypted under the
/// initial session key changed once, flushed. Stateful: encrypted under the initial session key itself (RC4 was
/// keyed with it at <see cref="Initialize"/>), not flushed, although RFC 3078 §3.1 would have it flushed.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MppeSender : IMppeKeyChanger<MppeSender>
{
    private fixed byte _startKey[MppeKeySchedule.LongKeyLength];
    private fixed byte _sessionKey[MppeKeySchedule.LongKeyLength];
    private fixed ulong _drops[MppeCounters.ReasonCount];
    internal Rc4 Cipher;
    private ulong _packets;
    private ulong _keyChanges;
    private ushort _ccount;
    private byte _keyLength;
    private MppeKeyStrength _strength;
    private bool _stateless;
    private bool _resetPending;

    /// <summary>
    /// Sets up the direction from its start key (RFC 3079: e.g. the server's MasterSendKey, or MS-MPPE-Send-Key
    /// from RADIUS): initial session key, RC4 keyed with it (stateful), coherency count so the first packet is 0.
    /// Counters restart. Not for the hot path (runs the SHA-1 once).
    /// </summary>
    /// <param name="startKey">At least <see cref="MppeKeySchedule.SessionKeyLength"/> octets (8 or 16).</param>
    public void Initialize(ReadOnlySpan<byte> startKey, MppeKeyStrength strength, bool stateless)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        ArgumentOutOfRangeException.ThrowIfLessThan(startKey.Length, length, nameof(startKey));
        this = default;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            startKey[..length].CopyTo(new Span<byte>(start, length));
            MppeKeySchedule.DeriveInitialSessionKey(new ReadOnlySpan<byte>(start, length), strength, new Span<byte>(session, length));
            fixed (Rc4* cipher = &Cipher)
                Rc4.SetKeyMppe(cipher, session, length);
        }
        _keyLength = (byte)length;
        _strength = strength;
        _stateless = stateless;
        _ccount = MppeHeader.CoherencyCountMask; // the first packet is ccount 0
    }

    /// <summary>Forgets the keys (zeroes the whole state, key material included); the session is being removed.</summary>
    public void Clear() => this = default;

    /// <summary>True once <see cref="Initialize"/> ran.</summary>
    public readonly bool IsInitialized => _keyLength != 0;
    public readonly MppeKeyStrength KeyStrength => _strength;
    public readonly bool IsStateless => _stateless;
    /// <summary>The coherency count of the last packet sent (4095 before the first).</summary>
    public readonly ushort CoherencyCount => _ccount;
    /// <summary>A Reset-Request was received and the next stateful packet will change the key and be flushed.</summary>
    public readonly bool IsResetPending => _resetPending;
    /// <summary>Packets encrypted.</summary>
    public readonly ulong PacketsEncrypted => _packets;
    /// <summary>Key changes (RFC 3078 §7.3) performed: stateless one per packet; stateful one per flag packet and per Reset-Request answered.</summary>
    public readonly ulong KeyChanges => _keyChanges;

    /// <summary>Packets refused for <paramref name="reason"/>.</summary>
    public readonly ulong GetDropCount(MppeDropReason reason) => MppeCounters.Get(in _drops[0], reason);

    /// <summary>
    /// The control plane received a CCP Reset-Request for this direction (RFC 3078 §8.2): the next packet changes the
    /// session key, re-keys RC4 with it and carries the flushed bit (Linux behaviour, see the remarks). Several
    /// Reset-Requests before the next packet (a retransmitted one, a lost Reset-Ack) cause one key change, as in Linux's
    /// <c>mppe_comp_reset</c>: the peer counts flushed packets, not Reset-Requests. No effect in stateless mode,
    /// where every packet is flushed.
    /// </summary>
    public void OnResetRequestReceived()
    {
        if (!_stateless)
            _resetPending = true;
    }

    /// <summary>
    /// Encrypts one packet in place (layout in the type's remarks): writes the MPPE header into
    /// <c>packet[0..2]</c> and encrypts <c>packet[2..]</c>. Returns <see cref="MppeDropReason.None"/>, or why the
    /// packet was not sent (nothing was changed then).
    /// </summary>
    public MppeDropReason Encrypt(Span<byte> packet)
    {
        MppeWork work = default;
        MppeDropReason reason = Prepare(packet, ref work, allowDeferredKeyChange: false);
        if (reason != MppeDropReason.None)
            return reason;
        fixed (Rc4* cipher = &Cipher)
        fixed (byte* data = packet)
        {
            if (work.KeyLength != 0)
                Rc4.SetKeyMppe(cipher, work.Key, work.KeyLength);
            Rc4.Transform1(cipher, data + MppeHeader.Length, packet.Length - MppeHeader.Length);
        }
        work.Clear();
        return MppeDropReason.None;
    }

    /// <summary>
    /// The ordered part of <see cref="Encrypt"/>: advance the coherency count, change keys as the mode requires,
    /// write the header, and say how the RC4 pass must be keyed. The RC4 pass itself is left to the caller.
    /// </summary>
    /// <param name="allowDeferredKeyChange">Burst only: leave a stateless key change to the burst's deferred key changes (<see cref="MppeBurst"/>).</param>
    internal MppeDropReason Prepare(Span<byte> packet, ref MppeWork work, bool allowDeferredKeyChange)
    {
        if (_keyLength == 0)
            return Drop(MppeDropReason.NotInitialized);
        if (packet.Length <= MppeHeader.Length)
            return Drop(MppeDropReason.TooShort);

        ushort ccount = (ushort)((_ccount + 1) & MppeHeader.CoherencyCountMask);
        var flags = MppeHeaderFlags.Encrypted;
        int keyLength = _keyLength;
        work.UsesSessionCipher = !_stateless;
        work.KeyLength = 0;
        work.KeyChangeDeferred = false;
        fixed (byte* start = _startKey)
        fixed (byte* session = _sessionKey)
        {
            if (_stateless && allowDeferredKeyChange)
            {
                flags |= MppeHeaderFlags.Flushed;
                work.KeyLength = keyLength;
                work.KeyChangeDeferred = true;
            }
            else if (_stateless || (ccount & 0xFF) == 0xFF || _resetPending)
            {
                // RFC 3078 §7.1/§7.3: stateless, a new key for every packet. Stateful (§7.2, §8.2): a new key for each
                // flag packet and for the packet answering a Reset-Request; one change even when both coincide.
                // This is Linux ppp_mppe's mppe_compress (see the remarks), the peer we must agree with.
                MppeRekey.ChangeKey(start, session, keyLength, _strength);
                _keyChanges++;
                flags |= MppeHeaderFlags.Flushed;
                work.KeyLength = keyLength;
            }
            if (work.KeyLength != 0 && !work.KeyChangeDeferred)
                fixed (byte* key = work.Key)
                    Unsafe.CopyBlockUnaligned(key, session, (uint)keyLength);
        }
        _resetPending = false;
        _ccount = ccount;
        BinaryPrimitives.WriteUInt16BigEndian(packet, (ushort)(((byte)flags << 8) | ccount));
        _packets++;
        return MppeDropReason.None;
    }

    /// <summary>The key a deferred key change works on (<see cref="IMppeKeyChanger{TSelf}"/>, for <see cref="MppeBurst"/>).</summary>
    static MppeKeyRef IMppeKeyChanger<MppeSender>.Key(MppeSender* state) => new(state->_startKey, state->_sessionKey, state->_keyLength, state->_strength);

    /// <summary>After the deferred key change: counts it and fills the packet's key snapshot.</summary>
    static void IMppeKeyChanger<MppeSender>.Finish(MppeSender* state, MppeWork* work) => state->Finish(work);

    private void Finish(MppeWork* work)
    {
        _keyChanges++;
        fixed (byte* session = _sessionKey)
            Unsafe.CopyBlockUnaligned(work->Key, session, _keyLength);
        work->KeyChangeDeferred = false;
    }

    private MppeDropReason Drop(MppeDropReason reason)
    {
        MppeCounters.Increment(ref _drops[0], reason);
        return reason;
    }
}

/// <summary>Per-reason drop counters kept inline in the MPPE state structs.</summary>
internal static class MppeCounters
{
    /// <summary>One slot per <see cref="MppeDropReason"/> value (slot 0, None, unused).</summary>
    public const int ReasonCount = (int)MppeDropReason.RekeyBudgetExhausted + 1;

    public static void Increment(ref ulong first, MppeDropReason reason) => Unsafe.Add(ref first, (int)reason)++;

    public static ulong Get(ref readonly ulong first, MppeDropReason reason)
    {
        if ((uint)reason >= ReasonCount)
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a drop reason.");
        return Unsafe.Add(ref Unsafe.AsRef(in first), (int)reason);
    }
}
